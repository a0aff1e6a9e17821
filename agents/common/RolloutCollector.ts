/**
 * Rollout collection: N envs stepped T times under an actor-critic, written time-major into a
 * `RolloutBuffer` (index t·N + n), as CleanRL's rollout loop. The one copy of that loop: the agent
 * trains on it in-process, and a remote actor (src/distributed) runs the same code to fill the
 * trajectory chunks it sends to a learner.
 *
 *   per step   forward on s_t (recurrent state zeroed where an episode starts) → sample a_t in JS
 *              from the collector's own seeded stream → log π(a_t|s_t), V(s_t) → env step
 *   truncation V(final observation) from the state after the step (bootstraps a time limit)
 *   after T    V(s_T) for the last step's bootstrap
 *
 * Action sampling draws from its own `Rng` (seeded by `samplingSeed`), apart from the agent's
 * stream of network init and minibatch shuffles, so that a separate process holding the same
 * weights and seeds picks the same actions as the in-process run.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchedObservation, Info, VectorEnv } from '../../src/core/Env.js';
import { Rng } from '../../src/core/Rng.js';
import { allocateBatch, writeToBatch } from '../../src/core/batch.js';
import { type Box, Discrete } from '../../src/core/spaces.js';
import type { ActorCritic } from '../../src/nn/ActorCritic.js';
import type { RolloutBuffer } from './RolloutBuffer.js';

/** An episode that ended during a rollout. */
export interface EpisodeEnd {
  /** Index of the env in the vector env. */
  env: number;
  return: number;
  length: number;
  /** `finalInfo.success` as 0/1, or null when the env does not report it. */
  success: number | null;
}

/** Options of a `RolloutCollector`. */
export interface RolloutCollectorOptions {
  /** Seed of the action-sampling stream (see `samplingSeed`). */
  samplingSeed: number;
  /** Round rows [0, count) of an observation batch in place before the policy sees them (an actor: to what its chunks carry). */
  prepareObservation?: (batch: BatchedObservation, count: number) => void;
}

/**
 * Seed of the action-sampling stream of actor `actor` of a run seeded `seed`; actor 0 is the
 * in-process run, so that one actor reproduces it.
 */
export function samplingSeed(seed: number, actor = 0): number {
  return (Math.imul(seed ^ 0x5a3c1e07, 0x85ebca6b) + Math.imul(actor + 1, 0x9e3779b1)) >>> 0;
}

/**
 * The env reset seed before update `update`'s rollout: the run seed's stream at the start, a seed
 * derived from it and the update after a resume (not drawn from any stream, so resuming does not
 * shift the actions).
 */
export function envResetSeed(seed: number, update: number): number {
  return (seed + Math.imul(update, 0x9e3779b1)) >>> 0;
}

/** Steps N envs under an actor-critic and writes T-step rollouts into a `RolloutBuffer`. */
export class RolloutCollector {
  readonly numEnvs: number;
  readonly actionSize: number;
  /** The action-sampling stream. */
  readonly rng: Rng;
  /** s_T of the last rollout (s_0 of the next); null until `reset`. */
  nextObs: BatchedObservation | null = null;
  /** [N] 1 where `nextObs` begins an episode. */
  readonly nextStarts: Uint8Array;
  /** [N] `info.pathBearing` at `nextObs` (NaN where the env gave none). */
  readonly nextPathBearings: Float32Array;
  /** [N] `info.atGoal` at `nextObs` (NaN where the env gave none). */
  readonly nextAtGoals: Float32Array;
  /** Episodes that ended during the last `collect`. */
  readonly episodes: EpisodeEnd[] = [];

  private state: tf.Tensor2D[] = [];
  private readonly finalObsBatch: BatchedObservation;
  private readonly actionsOut: Int32Array | Float32Array;
  private readonly sampled: Float32Array;
  private readonly runningReturn: Float64Array;
  private readonly runningLength: Int32Array;
  private readonly prepare: ((batch: BatchedObservation, count: number) => void) | null;

  constructor(
    readonly envs: VectorEnv,
    readonly network: ActorCritic,
    options: RolloutCollectorOptions,
  ) {
    const N = envs.numEnvs;
    this.numEnvs = N;
    this.actionSize = network.dist.actionSize;
    this.rng = new Rng(options.samplingSeed);
    this.prepare = options.prepareObservation ?? null;
    this.nextStarts = new Uint8Array(N).fill(1);
    this.nextPathBearings = new Float32Array(N).fill(Number.NaN);
    this.nextAtGoals = new Float32Array(N).fill(Number.NaN);
    this.finalObsBatch = allocateBatch(envs.singleObservationSpace, N);
    this.actionsOut = envs.singleActionSpace instanceof Discrete ? new Int32Array(N) : new Float32Array(N * this.actionSize);
    this.sampled = new Float32Array(N * this.actionSize);
    this.runningReturn = new Float64Array(N);
    this.runningLength = new Int32Array(N);
  }

  /** Reset the envs (seeded), the recurrent state and the running episode figures. */
  async reset(seed: number): Promise<void> {
    const { obs, infos } = await this.envs.reset({ seed });
    this.prepare?.(obs, this.numEnvs);
    this.readPrivileged(infos);
    this.nextObs = obs;
    this.nextStarts.fill(1);
    tf.dispose(this.state);
    this.state = this.network.zeroState(this.numEnvs);
    this.runningReturn.fill(0);
    this.runningLength.fill(0);
  }

  /** Forget the envs' position: the next `collect` needs a `reset` first (after a checkpoint is restored). */
  invalidate(): void {
    this.nextObs = null;
  }

  /** Fill `buffer` with T steps of every env under the network's current weights; returns the env steps taken (N·T). */
  async collect(buffer: RolloutBuffer): Promise<number> {
    if (this.nextObs === null) throw new Error('RolloutCollector: reset the envs before collecting');
    const { network } = this;
    const N = this.numEnvs;
    this.episodes.length = 0;
    buffer.finals.clear();
    const logStd = network.logStd ? (network.logStd.dataSync() as Float32Array) : null;
    buffer.initialState.forEach((dst, k) => {
      dst.set(this.state[k]!.dataSync());
    });
    for (let t = 0; t < buffer.numSteps; t++) {
      buffer.writeObs(t, this.nextObs!);
      buffer.starts.set(this.nextStarts, t * N);
      buffer.pathBearings.set(this.nextPathBearings, t * N);
      buffer.atGoals.set(this.nextAtGoals, t * N);
      // ── action logic: forward, sample in JS from the seeded stream, log-prob through the same ops as the update ──
      const prevState = this.state;
      const { value, logprob, state } = tf.tidy(() => {
        const starts = tf.tensor1d(this.nextStarts, 'float32');
        const out = network.step(network.obsTensors(this.nextObs!, 0, N), prevState, starts);
        const paramsData = out.params.dataSync() as Float32Array;
        this.sample(paramsData, logStd);
        const actions = tf.tensor2d(this.sampled, [N, this.actionSize]);
        const lp =
          network.dist.kind === 'categorical'
            ? network.dist.logProb(out.params, actions)
            : network.dist.logProb(out.params, actions, network.logStd!);
        return { value: out.value, logprob: lp, state: out.state };
      });
      tf.dispose(prevState);
      this.state = state;
      buffer.values.set(value.dataSync(), t * N);
      buffer.logprobs.set(logprob.dataSync(), t * N);
      buffer.actions.set(this.sampled, t * N * this.actionSize);
      tf.dispose([value, logprob]);

      // ── env step ──
      const result = await this.envs.step(this.actionsOut);
      this.prepare?.(result.obs, N);
      this.nextObs = result.obs;
      buffer.rewards.set(result.rewards, t * N);
      buffer.terminated.set(result.terminated, t * N);
      for (let n = 0; n < N; n++) buffer.truncated[t * N + n] = result.truncated[n]! && !result.terminated[n]! ? 1 : 0;
      this.trackEpisodes(result.rewards, result.terminated, result.truncated, result.infos);
      this.bootstrapTruncated(buffer, t, result.infos);
      this.readPrivileged(result.infos);
      for (let n = 0; n < N; n++) this.nextStarts[n] = result.terminated[n]! || result.truncated[n]! ? 1 : 0;
    }
    // s_T and V(s_T) for the bootstrap of the last step.
    buffer.writeLast(this.nextObs!, this.nextStarts);
    const last = tf.tidy(
      () => network.step(network.obsTensors(this.nextObs!, 0, N), this.state, tf.tensor1d(this.nextStarts, 'float32')).value,
    );
    buffer.lastValues.set(last.dataSync());
    last.dispose();
    return buffer.size;
  }

  /** Release the recurrent state (the envs and the network belong to the caller). */
  dispose(): void {
    tf.dispose(this.state);
    this.state = [];
  }

  /** Write env actions from `this.sampled`: Discrete as indices, Box clipped to the bounds (CleanRL's ClipAction). */
  private sample(params: Float32Array, logStd: Float32Array | null): void {
    const dist = this.network.dist;
    const N = this.numEnvs;
    if (dist.kind === 'categorical') {
      dist.sample(params, N, this.rng, this.sampled);
      for (let n = 0; n < N; n++) this.actionsOut[n] = this.sampled[n]!;
    } else {
      dist.sample(params, N, this.rng, this.sampled, logStd!);
      const box = this.envs.singleActionSpace as Box;
      const d = this.actionSize;
      for (let i = 0; i < N * d; i++) this.actionsOut[i] = Math.min(box.high[i % d]!, Math.max(box.low[i % d]!, this.sampled[i]!));
    }
  }

  /**
   * `nextPathBearings` and `nextAtGoals` from the infos of the observations in `nextObs` (after an
   * episode ends: the next episode's reset info).
   */
  private readPrivileged(infos: Info[]): void {
    for (let n = 0; n < this.numEnvs; n++) {
      const bearing = infos[n]?.pathBearing;
      const atGoal = infos[n]?.atGoal;
      this.nextPathBearings[n] = typeof bearing === 'number' ? bearing : Number.NaN;
      this.nextAtGoals[n] = typeof atGoal === 'number' ? atGoal : Number.NaN;
    }
  }

  /** V(final observation) for envs that truncated at step t, from the state after step t; the observations go to `buffer.finals`. */
  private bootstrapTruncated(buffer: RolloutBuffer, t: number, infos: Info[]): void {
    const N = this.numEnvs;
    const space = this.envs.singleObservationSpace;
    const rows: number[] = [];
    for (let n = 0; n < N; n++) {
      if (buffer.truncated[t * N + n]) {
        writeToBatch(space, this.finalObsBatch, rows.length, infos[n]!.finalObs as never);
        rows.push(n);
      }
    }
    if (rows.length === 0) return;
    this.prepare?.(this.finalObsBatch, rows.length);
    const values = tf.tidy(() => {
      const state = this.state.map((s) => tf.gather(s, rows));
      return this.network.step(this.network.obsTensors(this.finalObsBatch, 0, rows.length), state).value;
    });
    const v = values.dataSync();
    rows.forEach((n, j) => {
      buffer.finalValues[t * N + n] = v[j]!;
      buffer.finals.push(t * N + n, this.finalObsBatch, j);
    });
    values.dispose();
  }

  private trackEpisodes(rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array, infos: Info[]): void {
    for (let n = 0; n < this.numEnvs; n++) {
      this.runningReturn[n]! += rewards[n]!;
      this.runningLength[n]!++;
      if (!terminated[n] && !truncated[n]) continue;
      const success = (infos[n]?.finalInfo as Info | undefined)?.success;
      this.episodes.push({
        env: n,
        return: this.runningReturn[n]!,
        length: this.runningLength[n]!,
        success: typeof success === 'number' || typeof success === 'boolean' ? Number(success) : null,
      });
      this.runningReturn[n] = 0;
      this.runningLength[n] = 0;
    }
  }
}
