/**
 * REINFORCE (Williams 1992): the Monte-Carlo policy gradient, with an optional learned baseline.
 *
 *   rollout  N envs × T steps (fixed length, like the other agents)
 *   returns  G_t = r_t + γG_{t+1} back to the end of each episode. A step whose episode has not ended
 *            by the rollout's end has no return yet and is left out of the loss (its env continues
 *            into the next rollout, where the rest of that episode counts). A truncated episode
 *            ends with γ·V(final obs) when the baseline is learned, 0 without one.
 *   update   one gradient step:  L = −mean(Â·log π(a|s)) − c_ent·H[π] (+ c_v·½·mean((G − V)²)) (+ Σ c_aux·L_aux)
 *            Â = G − V_old with a baseline, else G; normalised over the rollout when `normReturns`.
 *            Adam (ε 1e-5), global grad-norm clip.
 */
import * as tf from '@tensorflow/tfjs';
import type { EnvFactory, VectorEnv } from '../src/core/Env.js';
import { OnPolicyAgent, type NetworkInit, type OnPolicyConfig, type RolloutSource } from './common/OnPolicyAgent.js';
import { Adam } from './common/optim.js';
import { explainedVariance, normalize } from './common/stats.js';

/** REINFORCE's config: the common on-policy fields plus the optional value baseline and return normalisation. */
export interface ReinforceConfig extends OnPolicyConfig {
  /** Learn V(s) and subtract it from the return (variance reduction); the loss gains c_v·L_v. */
  baseline: boolean;
  /** Normalise the policy-gradient weights (returns or advantages) to zero mean, unit std per rollout. */
  normReturns: boolean;
}

/** REINFORCE's defaults: 8 envs × 128 steps, Adam 1e-3, with a baseline and normalised returns. */
export const DEFAULT_REINFORCE: ReinforceConfig = {
  seed: 1,
  numEnvs: 8,
  numSteps: 128,
  gamma: 0.99,
  learningRate: 1e-3,
  annealLr: false,
  finalLearningRate: 0,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  baseline: true,
  normReturns: true,
  network: {},
  augment: [],
  auxiliary: [],
};

/**
 * REINFORCE (Monte-Carlo policy gradient) with an optional learned baseline, over fixed-length
 * rollouts. Built and trained like `PPO`: `new Reinforce(() => make(id), config).learn(steps)`.
 */
export class Reinforce extends OnPolicyAgent<ReinforceConfig> {
  readonly name = 'reinforce';
  readonly optimizer: Adam;
  /** [T·N] 1 where step t has a Monte-Carlo return (its episode ended within the rollout). */
  private readonly valid: Float32Array;
  private readonly starts: Float32Array;
  private readonly allEnvs: Int32Array;

  /** `init` runs on the new network before the optimiser is built (pretrained weights, frozen layers). */
  constructor(envs: VectorEnv | EnvFactory | RolloutSource, config: Partial<ReinforceConfig> = {}, init?: NetworkInit) {
    super(envs, DEFAULT_REINFORCE, config, init);
    this.optimizer = new Adam(this.trainableVariables(), this.config.learningRate, 0.9, 0.999, 1e-5);
    this.valid = new Float32Array(this.buffer.size);
    this.starts = new Float32Array(this.buffer.size);
    this.allEnvs = Int32Array.from({ length: this.numEnvs }, (_, i) => i);
  }

  /** Monte-Carlo returns G_t into `buffer.returns`, weights into `buffer.advantages`, `valid` mask. */
  protected computeTargets(): void {
    const { buffer, valid } = this;
    const { numSteps: T, numEnvs: N, rewards, terminated, truncated, finalValues, values, returns, advantages } = buffer;
    const gamma = this.config.gamma;
    for (let n = 0; n < N; n++) {
      let g = 0;
      let known = false; // an episode end lies at or after t within this rollout
      for (let t = T - 1; t >= 0; t--) {
        const i = t * N + n;
        if (terminated[i]) {
          g = 0;
          known = true;
        } else if (truncated[i]) {
          g = this.config.baseline ? finalValues[i]! : 0;
          known = true;
        }
        g = rewards[i]! + gamma * g;
        returns[i] = g;
        valid[i] = known ? 1 : 0;
        advantages[i] = known ? g - (this.config.baseline ? values[i]! : 0) : 0;
      }
    }
    if (this.config.normReturns) normalize(advantages, valid);
    for (let i = 0; i < advantages.length; i++) if (!valid[i]) advantages[i] = 0;
  }

  protected train(): Record<string, number> {
    const c = this.config;
    const { buffer, valid } = this;
    const mb = buffer.asMinibatch();
    this.starts.set(buffer.starts);
    let count = 0;
    for (let i = 0; i < valid.length; i++) count += valid[i]!;
    if (count === 0) return { policyLoss: 0, valueLoss: 0, entropy: 0, gradNorm: 0, validFraction: 0 };
    let diag: tf.Tensor[] = [];
    const { gradNorm } = this.optimize(() => {
      const { logprob, entropy, value, auxiliary } = this.evaluate(mb, { envs: this.allEnvs, starts: this.starts });
      const mask = tf.tensor1d(valid);
      const maskedMean = (x: tf.Tensor): tf.Scalar => tf.div(tf.sum(tf.mul(x, mask)), count) as tf.Scalar;
      const pg = tf.neg(maskedMean(tf.mul(tf.tensor1d(mb.advantages), logprob)));
      const ent = maskedMean(entropy);
      const v = tf.mul(0.5, maskedMean(tf.square(tf.sub(tf.tensor1d(mb.returns), value)))) as tf.Scalar;
      diag = [pg, v, ent].map((t) => tf.keep(t));
      const terms = [pg, tf.mul(-c.entCoef, ent)];
      if (c.baseline) terms.push(tf.mul(c.vfCoef, v));
      // ── auxiliary losses (none unless configured) ──
      return this.addAuxiliaryLoss(tf.addN(terms) as tf.Scalar, auxiliary);
    });
    const [policyLoss, valueLoss, entropy] = diag.map((t) => t.dataSync()[0]!);
    tf.dispose(diag);
    return {
      policyLoss: policyLoss!,
      valueLoss: valueLoss!,
      entropy: entropy!,
      gradNorm,
      validFraction: count / valid.length,
      explainedVariance: explainedVariance(buffer.values, buffer.returns),
      ...this.auxiliaryMetrics(),
    };
  }
}
