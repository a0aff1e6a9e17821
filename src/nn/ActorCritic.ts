/**
 * The actor-critic network every agent trains, built from an observation space:
 *
 *   raw obs ─┬─ Box [H,W,C] → normalise → CNN ─┐
 *            ├─ Box vector  → (normalise) → MLP┼─ concat → fusion MLP → [GRU | LSTM] → features
 *            └─ … one encoder per Dict key ────┘                         ├─ policy head → logits | means
 *                                                                        └─ value head  → V(s)
 *
 * A single Box observation skips the concat and fusion. Three tfjs layers models (encoder, optional
 * core, head) share no layers, so training can run the encoder once over a whole [T·B] batch and
 * step only the core in time; `toLayersModel()` composes them into one model over raw observations
 * (plus the recurrent state) for saving in the TensorFlow.js layers format.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchedObservation } from '../core/Env.js';
import type { Rng } from '../core/Rng.js';
import { boxLeaves } from '../core/batch.js';
import type { Box, Discrete, Space } from '../core/spaces.js';
import { RecurrentCore, type CoreKind } from './cores.js';
import type { ActionDistribution } from './distributions.js';
import { encodeBox, type CnnKind } from './encoders.js';
import { checkPolicyBias, createLogStd, distributionFor, policyHead, valueHead } from './heads.js';
import { mlp, type Activation } from './mlp.js';

/** The network's architecture: encoders per observation kind, fusion layer, optional recurrent core, log-std init. */
export interface ActorCriticConfig {
  /** CNN over image (rank-3) observations. @default 'auto' (nature ≥ 36 px, else small) */
  cnn: CnnKind;
  /** Hidden sizes of the MLP over each vector observation. @default [64, 64] */
  mlpHidden: number[];
  /** Activation of the vector MLPs. @default 'tanh' */
  activation: Activation;
  /** Float vector observations unscaled ('raw') or mapped to [0, 1] by their bounds. @default 'raw' */
  vectorNorm: 'raw' | 'bounds';
  /** Hidden sizes of the MLP after concatenating several encoders (Dict observations). @default [256] */
  fusionHidden: number[];
  /** Recurrent core after the encoder, or none. @default 'none' */
  core: 'none' | CoreKind;
  /** Hidden units of the recurrent core. @default 128 */
  coreSize: number;
  /** Initial log-std of the Gaussian policy (Box actions). @default 0 (σ = 1) */
  logStdInit: number;
  /** Initial bias of the policy head, one value per logit / mean: a prior over actions. @default [] (zeros) */
  policyBias: number[];
}

/** The default network: auto CNN, MLP 64-64 tanh over raw vectors, fusion 256, no core. */
export const DEFAULT_ACTOR_CRITIC: ActorCriticConfig = {
  cnn: 'auto',
  mlpHidden: [64, 64],
  activation: 'tanh',
  vectorNorm: 'raw',
  fusionHidden: [256],
  core: 'none',
  coreSize: 128,
  logStdInit: 0,
  policyBias: [],
};

/** What one forward pass returns: distribution parameters, values and the new recurrent state. */
export interface ForwardResult {
  /** [B, K] distribution parameters (logits or means). */
  params: tf.Tensor2D;
  /** [B] state values. */
  value: tf.Tensor1D;
  /** The recurrent state after the last step ([] without a core). */
  state: tf.Tensor2D[];
}

/**
 * The actor-critic network every agent trains, built from the observation and action spaces: an
 * encoder per observation leaf, an optional GRU/LSTM core, a policy head and a value head.
 */
export class ActorCritic {
  /** The Box observation leaves in model-input order: [Dict key | null, space]. */
  readonly inputs: ReadonlyArray<readonly [string | null, Box]>;
  readonly encoder: tf.LayersModel;
  readonly core: RecurrentCore | null;
  readonly head: tf.LayersModel;
  readonly dist: ActionDistribution;
  /** The Gaussian's log-std (Box actions), else null. */
  readonly logStd: tf.Variable<tf.Rank.R1> | null;
  readonly config: ActorCriticConfig;
  private exported: tf.LayersModel | null = null;

  constructor(
    readonly observationSpace: Space,
    readonly actionSpace: Box | Discrete,
    config: Partial<ActorCriticConfig>,
    rng: Rng,
  ) {
    this.config = { ...DEFAULT_ACTOR_CRITIC, ...config };
    this.inputs = boxLeaves(observationSpace);
    this.dist = distributionFor(actionSpace);
    checkPolicyBias(this.dist, this.config.policyBias); // before any variable exists: a rejected config leaks nothing

    // ── encoder: one per observation key, fused ──
    const symbolic = this.inputs.map(([key, box]) => tf.input({ shape: [...box.shape], name: key === null ? 'obs' : `obs_${key}` }));
    const encoded = this.inputs.map(([, box], i) => encodeBox(symbolic[i]!, box, this.config, rng));
    let features: tf.SymbolicTensor;
    if (encoded.length === 1) features = encoded[0]!;
    else {
      const cat = tf.layers.concatenate().apply(encoded) as tf.SymbolicTensor;
      features = mlp(cat, this.config.fusionHidden, 'relu', rng);
    }
    this.encoder = tf.model({ inputs: symbolic, outputs: features, name: 'encoder' });
    const featureSize = features.shape[1] as number;

    // ── optional recurrent core ──
    this.core = this.config.core === 'none' ? null : new RecurrentCore(this.config.core, featureSize, this.config.coreSize, rng);
    const headIn = tf.input({ shape: [this.core ? this.core.size : featureSize], name: 'features' });

    // ── heads ──
    this.head = tf.model({
      inputs: headIn,
      outputs: [policyHead(headIn, this.dist, rng, this.config.policyBias), valueHead(headIn, rng)],
      name: 'heads',
    });
    this.logStd = this.dist.kind === 'gaussian' ? createLogStd(this.dist.actionSize, this.config.logStdInit) : null;
  }

  /** Every trainable variable, in a fixed order (optimiser state and checkpoints rely on it). */
  variables(): tf.Variable[] {
    const models = [this.encoder, ...(this.core ? [this.core.model] : []), this.head];
    const vars = models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
    if (this.logStd) vars.push(this.logStd);
    return vars;
  }

  /** Every weight value (trainable or frozen, plus log-std), in a fixed order, as copies. */
  getWeights(): Float32Array[] {
    const models = [this.encoder, ...(this.core ? [this.core.model] : []), this.head];
    const out = models.flatMap((m) =>
      m
        .getWeights()
        .map((w) => w.dataSync() as Float32Array)
        .map((a) => a.slice()),
    );
    if (this.logStd) out.push((this.logStd.dataSync() as Float32Array).slice());
    return out;
  }

  setWeights(values: readonly Float32Array[]): void {
    const models = [this.encoder, ...(this.core ? [this.core.model] : []), this.head];
    let i = 0;
    for (const m of models) {
      const current = m.getWeights();
      const tensors = current.map((w) => {
        const v = values[i++];
        if (!v || v.length !== w.size)
          throw new RangeError(`ActorCritic.setWeights: weight ${i - 1} needs ${w.size} values, got ${v?.length ?? 'none'}`);
        return tf.tensor(v, w.shape);
      });
      m.setWeights(tensors);
      tf.dispose(tensors);
    }
    if (this.logStd) {
      const v = values[i++];
      if (!v || v.length !== this.logStd.size) throw new RangeError('ActorCritic.setWeights: log-std size mismatch');
      tf.tidy(() => this.logStd!.assign(tf.tensor1d(v)));
    }
    if (i !== values.length) throw new RangeError(`ActorCritic.setWeights: expected ${i} arrays, got ${values.length}`);
  }

  /**
   * Tensors for rows [start, start + count) of a batched observation (or of rollout storage laid out
   * the same way). uint8 data becomes float32 here; scaling happens inside the model.
   */
  obsTensors(batch: BatchedObservation, start: number, count: number): tf.Tensor[] {
    return this.inputs.map(([key, box]) => {
      const src = key === null ? (batch as Float32Array | Uint8Array) : (batch as Record<string, Float32Array | Uint8Array>)[key]!;
      const view = src.subarray(start * box.size, (start + count) * box.size);
      return tf.tensor(view, [count, ...box.shape], 'float32');
    });
  }

  /** Features of a [B] batch of observations (no core). */
  encode(obs: tf.Tensor[]): tf.Tensor2D {
    return this.encoder.apply(obs, { training: true }) as tf.Tensor2D;
  }

  /** Heads over core outputs / features. */
  heads(features: tf.Tensor2D): { params: tf.Tensor2D; value: tf.Tensor1D } {
    const [params, value] = this.head.apply(features) as tf.Tensor2D[];
    return { params: params!, value: tf.reshape(value!, [-1]) as tf.Tensor1D };
  }

  /**
   * One step for a batch of B envs. With a core, `state` is the state before this step and
   * `starts` [B] (1 where this observation begins an episode) zeroes it first: a sequence of length 1.
   */
  step(obs: tf.Tensor[], state: readonly tf.Tensor2D[] = [], starts?: tf.Tensor1D): ForwardResult {
    if (!this.core) return { ...this.heads(this.encode(obs)), state: [] };
    const batch = obs[0]!.shape[0]!;
    const startRow = (starts ? tf.reshape(starts, [1, batch]) : tf.zeros([1, batch])) as tf.Tensor2D;
    return this.sequence(obs, state, startRow);
  }

  /**
   * A time-major sequence for B envs: `obs` rows t·B + b, `starts` [T, B]. Without a core this is
   * one batched forward pass.
   */
  sequence(obs: tf.Tensor[], state0: readonly tf.Tensor2D[], starts: tf.Tensor2D): ForwardResult {
    const features = this.encode(obs);
    if (!this.core) return { ...this.heads(features), state: [] };
    const { outputs, state } = this.core.unroll(features, state0, starts);
    return { ...this.heads(outputs), state };
  }

  /** Zero recurrent state for `batch` envs ([] without a core). */
  zeroState(batch: number): tf.Tensor2D[] {
    return this.core ? this.core.zeroState(batch) : [];
  }

  /**
   * One tfjs layers model over raw observations — inputs: the observation keys (in `inputs` order)
   * then the core's state (h[, c]); outputs: [params, value (, h', c')] — for saving and for the browser.
   */
  toLayersModel(): tf.LayersModel {
    // Built once: the composed model shares the training layers, so it always has the current weights.
    this.exported ??= this.composeLayersModel();
    return this.exported;
  }

  private composeLayersModel(): tf.LayersModel {
    const obs = this.inputs.map(([key, box]) => tf.input({ shape: [...box.shape], name: key === null ? 'obs' : `obs_${key}` }));
    let features = this.encoder.apply(obs.length === 1 ? obs[0]! : obs) as tf.SymbolicTensor;
    const stateIn: tf.SymbolicTensor[] = [];
    const stateOut: tf.SymbolicTensor[] = [];
    if (this.core) {
      const names = this.core.numStates === 1 ? ['state_h'] : ['state_h', 'state_c'];
      for (const name of names) stateIn.push(tf.input({ shape: [this.core.size], name }));
      const next = this.core.model.apply([features, ...stateIn]);
      stateOut.push(...((Array.isArray(next) ? next : [next]) as tf.SymbolicTensor[]));
      features = stateOut[0]!;
    }
    const [params, value] = this.head.apply(features) as tf.SymbolicTensor[];
    return tf.model({ inputs: [...obs, ...stateIn], outputs: [params!, value!, ...stateOut], name: 'policy' });
  }

  dispose(): void {
    this.encoder.dispose();
    this.core?.model.dispose();
    this.head.dispose();
    this.logStd?.dispose();
  }
}
