/**
 * A policy network in memory as a `Policy`: a TensorFlow.js layers model over raw observations and
 * its `policy.json` info (`common/policyInfo.ts`). It acts on one raw observation at a time,
 * carrying the recurrent state across steps and clearing it on `reset()`, and takes the most likely
 * action (argmax / the Gaussian mean, clipped to the action bounds) unless `stochastic` asks it to
 * sample from a seeded Rng, which is what robonav's evaluations do by default, as Habitat evaluates.
 * `reset(episodeSeed)` restarts that stream from a mix of the policy's seed and the episode's, so an
 * episode's sampled actions depend only on the two seeds, not on the episodes before it.
 *
 * Free of Node APIs, so the exported static page (`robonav export-web`) runs it in a browser on a
 * model from `tf.loadLayersModel`; `TrainedPolicy` adds loading a saved policy folder in Node.
 */
import * as tf from '@tensorflow/tfjs';
import type { Action, Env, Observation } from '../src/core/Env.js';
import { UsageError } from '../src/core/errors.js';
import { Rng } from '../src/core/Rng.js';
import { boxLeaves } from '../src/core/batch.js';
import { Box, type Discrete, spaceFromJSON, spacesEqual, type Space } from '../src/core/spaces.js';
import { Categorical, DiagGaussian } from '../src/nn/distributions.js';
import type { PolicyInfo } from './common/policyInfo.js';
import type { Policy } from '../src/core/Policy.js';

/** How a model policy acts: most likely or sampled actions, and whether it owns its model. */
export interface TrainedPolicyOptions {
  /** Dispose the model with the policy (false when it shares layers with a network in training). @default true */
  ownsModel?: boolean;
  /** Sample actions instead of taking the most likely one. @default false */
  stochastic?: boolean;
  /** Seed of the sampling stream. @default 0 */
  seed?: number;
}

/**
 * An in-memory actor-critic network as a `Policy`: one raw observation in, one action out,
 * recurrent state carried across steps and cleared by `reset()`.
 *
 * @example
 * ```ts
 * const model = await tf.loadLayersModel('policy/model.json');
 * const policy = ModelPolicy.fromModel('policy', model, PolicyInfoSchema.parse(info));
 * ```
 */
export class ModelPolicy implements Policy {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  private readonly leaves: Array<[string | null, Box]>;
  private state: tf.Tensor2D[] = [];
  private readonly rng: Rng;
  private readonly dist: Categorical | DiagGaussian;
  private readonly logStd: Float32Array | null;
  private readonly action: Float32Array;

  protected constructor(
    readonly name: string,
    readonly model: tf.LayersModel,
    readonly info: PolicyInfo,
    private readonly options: TrainedPolicyOptions,
  ) {
    this.observationSpace = spaceFromJSON(info.observationSpace);
    this.actionSpace = spaceFromJSON(info.actionSpace);
    this.leaves = boxLeaves(this.observationSpace);
    this.rng = new Rng(options.seed ?? 0);
    this.dist =
      this.actionSpace instanceof Box ? new DiagGaussian(this.actionSpace.size) : new Categorical((this.actionSpace as Discrete).n);
    this.logStd = info.logStd ? Float32Array.from(info.logStd) : null;
    this.action = new Float32Array(this.dist.actionSize);
    this.reset();
  }

  /** A policy over a model in memory (e.g. `network.toLayersModel()` for evaluation during training). */
  static fromModel(name: string, model: tf.LayersModel, info: PolicyInfo, options: TrainedPolicyOptions = {}): ModelPolicy {
    return new ModelPolicy(name, model, info, options);
  }

  /** Throw a UsageError unless `env` has the observation and action spaces the policy was trained on. */
  checkEnv(env: Env): void {
    if (!spacesEqual(env.observationSpace, this.observationSpace) || !spacesEqual(env.actionSpace, this.actionSpace)) {
      throw new UsageError(
        `policy ${this.name} was trained on ${this.observationSpace.toString()} → ${this.actionSpace.toString()}, the env has ${env.observationSpace.toString()} → ${env.actionSpace.toString()}`,
      );
    }
  }

  /** The recurrent state the next `act` starts from ([1, size] tensors, [] without a core); owned by the policy. */
  get recurrentState(): readonly tf.Tensor2D[] {
    return this.state;
  }

  reset(episodeSeed?: number): void {
    if (episodeSeed !== undefined) this.rng.reseed(Rng.mix(this.options.seed ?? 0, episodeSeed));
    tf.dispose(this.state);
    const core = this.info.core;
    this.state = core ? Array.from({ length: core.numStates }, () => tf.zeros([1, core.size]) as tf.Tensor2D) : [];
  }

  act(obs: Observation): Action {
    const outputs = tf.tidy(() => {
      const inputs = this.leaves.map(([key, box]) => {
        const value = (key === null ? obs : (obs as Record<string, Observation>)[key]) as Float32Array | Uint8Array;
        return tf.tensor(value, [1, ...box.shape], 'float32');
      });
      return this.model.predict([...inputs, ...this.state]) as tf.Tensor[];
    });
    const params = outputs[0]!.dataSync() as Float32Array;
    tf.dispose(this.state);
    this.state = outputs.slice(2) as tf.Tensor2D[];
    tf.dispose(outputs.slice(0, 2));
    const deterministic = !this.options.stochastic;
    if (this.dist.kind === 'categorical') {
      this.dist.sample(params, 1, this.rng, this.action, deterministic);
      return this.action[0]!;
    }
    this.dist.sample(params, 1, this.rng, this.action, this.logStd!, deterministic);
    const box = this.actionSpace as Box;
    return Float32Array.from(this.action, (v, i) => Math.min(box.high[i]!, Math.max(box.low[i]!, v)));
  }

  dispose(): void {
    tf.dispose(this.state);
    this.state = [];
    if (this.options.ownsModel ?? true) this.model.dispose();
  }
}
