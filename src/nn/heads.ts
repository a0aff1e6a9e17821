/**
 * Output heads over the policy features: a linear layer to the action distribution's parameters
 * (logits for Discrete, means for Box; gain 0.01 so the first policy is near-uniform / centred) and a
 * linear value head (gain 1). The Gaussian's log-std is a free vector, not a function of the state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/Rng.js';
import { UsageError } from '../core/errors.js';
import { Box, Discrete } from '../core/spaces.js';
import { Categorical, DiagGaussian, type ActionDistribution } from './distributions.js';
import { applyInit, GAIN } from './init.js';

/** The distribution over an action space (Discrete → categorical, Box → diagonal Gaussian). */
export function distributionFor(space: Box | Discrete): ActionDistribution {
  if (space instanceof Discrete) return new Categorical(space.n);
  if (space instanceof Box) {
    if (space.shape.length !== 1) throw new RangeError(`Box actions must be a vector, got shape [${space.shape.join(',')}]`);
    return new DiagGaussian(space.size);
  }
  throw new TypeError(`unsupported action space ${String(space)}`);
}

/** How many parameters the policy head outputs: one logit per action, or one mean per action dimension. */
function headUnits(dist: ActionDistribution): number {
  return dist.kind === 'categorical' ? dist.n : dist.actionSize;
}

/**
 * Check a policy-head bias against the distribution: empty (zeros) or one value per logit / mean.
 * @throws UsageError naming `network.policyBias` otherwise.
 */
export function checkPolicyBias(dist: ActionDistribution, bias: readonly number[]): void {
  const units = headUnits(dist);
  if (bias.length !== 0 && bias.length !== units) {
    const per = dist.kind === 'categorical' ? 'logit' : 'mean';
    throw new UsageError(`network.policyBias: expected ${units} values (one per action ${per}), got ${bias.length}`);
  }
}

/**
 * features [B, F] → [B, K] distribution parameters. `bias` (checked by `checkPolicyBias`; [] for
 * zeros) is the head's initial bias: a prior over actions the first policy starts from, e.g. a
 * negative STOP logit so a near-uniform policy does not end most early episodes by stopping at random.
 */
export function policyHead(
  features: tf.SymbolicTensor,
  dist: ActionDistribution,
  rng: Rng,
  bias: readonly number[] = [],
): tf.SymbolicTensor {
  const layer = tf.layers.dense({ units: headUnits(dist), name: dist.kind === 'categorical' ? 'policy_logits' : 'policy_mean' });
  const out = applyInit(layer, features, GAIN.policy, rng);
  if (bias.length !== 0) {
    const initial = tf.tensor1d([...bias]);
    layer.setWeights([layer.getWeights()[0]!, initial]); // getWeights returns the live variables: not disposed
    initial.dispose();
  }
  return out;
}

/** features [B, F] → [B, 1] state value. */
export function valueHead(features: tf.SymbolicTensor, rng: Rng): tf.SymbolicTensor {
  return applyInit(tf.layers.dense({ units: 1, name: 'value' }), features, GAIN.value, rng);
}

/** The Gaussian's state-independent log-std, initialised to `init` (0 → σ = 1, as CleanRL). */
export function createLogStd(size: number, init = 0): tf.Variable<tf.Rank.R1> {
  return tf.tidy(() => tf.variable(tf.fill([size], init) as tf.Tensor1D, true));
}
