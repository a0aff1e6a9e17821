/**
 * A trained network as a `Policy`, loaded from a saved policy folder (`common/savedPolicy.ts`):
 * `ModelPolicy` (how it acts) plus loading in Node, after choosing the TensorFlow.js backend.
 *
 * A run or checkpoint directory names its policy folder through `resolvePolicyDir`
 * (src/runs/checkpoint.ts); `loadPolicy` (src/eval/policies.ts) takes any of the three.
 */
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/nn/backend.js';
import type { PolicyInfo } from './common/policyInfo.js';
import { loadPolicyDir } from './common/savedPolicy.js';
import { ModelPolicy, type TrainedPolicyOptions } from './ModelPolicy.js';

export type { TrainedPolicyOptions } from './ModelPolicy.js';

/**
 * A saved or in-memory actor-critic network as a `Policy`: one raw observation in, one action out,
 * recurrent state carried across steps and cleared by `reset()`.
 *
 * @example
 * ```ts
 * const policy = await TrainedPolicy.load(await resolvePolicyDir('runs/ppo-1'));
 * policy.checkEnv(env);
 * ```
 */
export class TrainedPolicy extends ModelPolicy {
  /** Load a saved policy folder (model.json, weights.bin, policy.json). */
  static async load(dir: string, options: TrainedPolicyOptions = {}): Promise<TrainedPolicy> {
    await initBackend();
    const { model, info } = await loadPolicyDir(dir);
    return new TrainedPolicy(dir, model, info, options);
  }

  /** A policy over a model in memory (e.g. `network.toLayersModel()` for evaluation during training). */
  static override fromModel(name: string, model: tf.LayersModel, info: PolicyInfo, options: TrainedPolicyOptions = {}): TrainedPolicy {
    return new TrainedPolicy(name, model, info, options);
  }
}
