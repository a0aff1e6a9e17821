/**
 * N envs stepped one after another in this thread, with batched typed-array observations and
 * same-step autoreset (see `VectorEnv` in Env.ts). The worker-thread version gives identical
 * results for identical seeds.
 */
import type {
  Action,
  BatchedObservation,
  Env,
  EnvFactory,
  Info,
  ResetArgs,
  VectorEnv,
  VectorResetResult,
  VectorStepResult,
} from '../../src/core/Env.js';
import { allocateBatch, copyObservation, writeToBatch } from '../../src/core/batch.js';
import { Box, type Discrete, type Space } from '../../src/core/spaces.js';

/** N envs stepped one after another in this thread, with same-step autoreset (the VectorEnv contract). */
export class SyncVectorEnv implements VectorEnv {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Box | Discrete;
  private readonly envs: Env[];
  private readonly obs: BatchedObservation;
  private readonly rewards: Float32Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly actionSize: number;

  constructor(factory: EnvFactory, numEnvs: number) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new RangeError(`SyncVectorEnv: numEnvs must be a positive integer, got ${numEnvs}`);
    this.numEnvs = numEnvs;
    this.envs = Array.from({ length: numEnvs }, (_, i) => factory(i));
    this.singleObservationSpace = this.envs[0]!.observationSpace;
    this.singleActionSpace = this.envs[0]!.actionSpace;
    this.actionSize = this.singleActionSpace instanceof Box ? this.singleActionSpace.size : 1;
    this.obs = allocateBatch(this.singleObservationSpace, numEnvs);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
  }

  async reset(args: ResetArgs = {}): Promise<VectorResetResult> {
    const infos: Info[] = [];
    this.envs.forEach((env, i) => {
      const seed = args.seed === undefined ? undefined : args.seed + i;
      const { obs, info } = env.reset({ seed, options: args.options });
      writeToBatch(this.singleObservationSpace, this.obs, i, obs);
      infos.push(info);
    });
    return { obs: this.obs, infos };
  }

  async step(actions: Int32Array | Float32Array): Promise<VectorStepResult> {
    if (actions.length !== this.numEnvs * this.actionSize) {
      throw new RangeError(`SyncVectorEnv.step: expected ${this.numEnvs * this.actionSize} action values, got ${actions.length}`);
    }
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      const action: Action =
        this.singleActionSpace instanceof Box
          ? (actions.slice(i * this.actionSize, (i + 1) * this.actionSize) as Float32Array)
          : actions[i]!;
      const result = env.step(action);
      let { obs, info } = result;
      if (result.terminated || result.truncated) {
        const finalObs = copyObservation(obs);
        const next = env.reset();
        obs = next.obs;
        info = { ...next.info, finalObs, finalInfo: result.info };
      }
      writeToBatch(this.singleObservationSpace, this.obs, i, obs);
      this.rewards[i] = result.reward;
      this.terminated[i] = result.terminated ? 1 : 0;
      this.truncated[i] = result.truncated ? 1 : 0;
      infos.push(info);
    }
    return { obs: this.obs, rewards: this.rewards, terminated: this.terminated, truncated: this.truncated, infos };
  }

  async close(): Promise<void> {
    for (const env of this.envs) env.close();
  }
}
