/**
 * Rollout storage for on-policy agents: everything of T steps × N envs in preallocated typed
 * arrays, time-major (index t·N + n), as CleanRL's `obs`, `actions`, `logprobs`, `rewards`,
 * `dones`, `values` tensors. Observations keep their dtype (uint8 frames stay 1 byte a value).
 *
 * CleanRL names: the flat buffer is the batch (`b_*`); `gather(indices)` copies a minibatch
 * (`mb_*`) into arrays allocated once per minibatch size, ready to become tensors.
 */
import type { BatchedObservation } from '../../src/core/Env.js';
import { allocateBatch, boxLeaves, batchLeaf } from '../../src/core/batch.js';
import type { Box, Space } from '../../src/core/spaces.js';

/** A minibatch: rows of the flat buffer picked by `indices`, copied into contiguous arrays. */
export interface Minibatch {
  size: number;
  /** [size] the buffer row of each minibatch row (the auxiliary losses find successors through it). */
  rows: Int32Array;
  obs: BatchedObservation;
  actions: Float32Array;
  logprobs: Float32Array;
  values: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

/** T steps × N envs of transitions in typed arrays allocated once, time-major (index t·N + n), with minibatch gathering. */
export class RolloutBuffer {
  readonly size: number;
  readonly leaves: ReadonlyArray<readonly [string | null, Box]>;
  /** [T·N] observations s_t, shaped like a VectorEnv batch of T·N envs. */
  readonly obs: BatchedObservation;
  /** [T·N·actionSize] actions a_t (Discrete: the index as a float). */
  readonly actions: Float32Array;
  /** [T·N] log π_old(a_t | s_t). */
  readonly logprobs: Float32Array;
  readonly rewards: Float32Array;
  /** [T·N] V_old(s_t). */
  readonly values: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** [T·N] 1 where s_t is the first observation of an episode (recurrent state reset before it). */
  readonly starts: Uint8Array;
  /** [T·N] the env's `info.pathBearing` at s_t (rad; NaN where it gave none): the `pathBearing` auxiliary loss's target. */
  readonly pathBearings: Float32Array;
  /** [T·N] the env's `info.atGoal` at s_t (1 where STOP would succeed, 0 elsewhere, NaN where it gave none): the `atGoal` auxiliary loss's target. */
  readonly atGoals: Float32Array;
  /** [T·N] V(final observation) where step t truncated. */
  readonly finalValues: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** [N] V(s_T) after the rollout, for bootstrapping. */
  readonly lastValues: Float32Array;
  /** [N] s_T, the observation after the rollout (V-trace re-evaluates the bootstrap on it). */
  readonly lastObs: BatchedObservation;
  /** [N] 1 where s_T begins an episode. */
  readonly lastStarts: Uint8Array;
  /** The final observations of the truncated steps (V-trace re-evaluates their values on them). */
  readonly finals: FinalObservations;
  /** Recurrent state before step 0, one [N·H] array per state tensor (empty without a core). */
  readonly initialState: Float32Array[];
  /** [T·N] 0, 1, …: the rows of `asMinibatch()`. */
  private readonly identityRows: Int32Array;

  constructor(
    readonly numSteps: number,
    readonly numEnvs: number,
    readonly observationSpace: Space,
    readonly actionSize: number,
    stateSizes: readonly number[] = [],
  ) {
    const size = numSteps * numEnvs;
    this.size = size;
    this.leaves = boxLeaves(observationSpace);
    this.obs = allocateBatch(observationSpace, size);
    this.actions = new Float32Array(size * actionSize);
    this.logprobs = new Float32Array(size);
    this.rewards = new Float32Array(size);
    this.values = new Float32Array(size);
    this.terminated = new Uint8Array(size);
    this.truncated = new Uint8Array(size);
    this.starts = new Uint8Array(size);
    this.pathBearings = new Float32Array(size).fill(Number.NaN);
    this.atGoals = new Float32Array(size).fill(Number.NaN);
    this.finalValues = new Float32Array(size);
    this.advantages = new Float32Array(size);
    this.returns = new Float32Array(size);
    this.lastValues = new Float32Array(numEnvs);
    this.lastObs = allocateBatch(observationSpace, numEnvs);
    this.lastStarts = new Uint8Array(numEnvs);
    this.finals = new FinalObservations(observationSpace, numEnvs);
    this.initialState = stateSizes.map((h) => new Float32Array(numEnvs * h));
    this.identityRows = Int32Array.from({ length: size }, (_, i) => i);
  }

  /** Copy a VectorEnv's batched observation into step t. */
  writeObs(t: number, batch: BatchedObservation): void {
    for (const [key, box] of this.leaves) {
      const dst = batchLeaf(this.obs, key);
      dst.set(batchLeaf(batch, key).subarray(0, this.numEnvs * box.size), t * this.numEnvs * box.size);
    }
  }

  /** Copy s_T (a VectorEnv's batched observation) and its episode starts into `lastObs` and `lastStarts`. */
  writeLast(batch: BatchedObservation, starts: Uint8Array): void {
    for (const [key, box] of this.leaves) batchLeaf(this.lastObs, key).set(batchLeaf(batch, key).subarray(0, this.numEnvs * box.size));
    this.lastStarts.set(starts.subarray(0, this.numEnvs));
  }

  /** Allocate minibatch arrays for `size` rows (once per minibatch size, reused by `gather`). */
  allocateMinibatch(size: number): Minibatch {
    return {
      size,
      rows: new Int32Array(size),
      obs: allocateBatch(this.observationSpace, size),
      actions: new Float32Array(size * this.actionSize),
      logprobs: new Float32Array(size),
      values: new Float32Array(size),
      advantages: new Float32Array(size),
      returns: new Float32Array(size),
    };
  }

  /**
   * Rows of whole sequences for a subset of envs, time-major within the minibatch: entry t·E + j is
   * buffer row t·N + envs[j] (recurrent minibatches replay every step of their envs).
   */
  envRows(envs: ArrayLike<number>, out: Int32Array): void {
    const e = envs.length;
    for (let t = 0; t < this.numSteps; t++) for (let j = 0; j < e; j++) out[t * e + j] = t * this.numEnvs + envs[j]!;
  }

  /** The whole buffer as one minibatch (no copy), in buffer order. */
  asMinibatch(): Minibatch {
    return {
      size: this.size,
      rows: this.identityRows,
      obs: this.obs,
      actions: this.actions,
      logprobs: this.logprobs,
      values: this.values,
      advantages: this.advantages,
      returns: this.returns,
    };
  }

  /** Copy rows `indices[0 .. mb.size)` into `mb`. */
  gather(indices: ArrayLike<number>, mb: Minibatch): void {
    const a = this.actionSize;
    for (let j = 0; j < mb.size; j++) {
      const i = indices[j]!;
      mb.rows[j] = i;
      for (const [key, box] of this.leaves) {
        batchLeaf(mb.obs, key).set(batchLeaf(this.obs, key).subarray(i * box.size, (i + 1) * box.size), j * box.size);
      }
      for (let k = 0; k < a; k++) mb.actions[j * a + k] = this.actions[i * a + k]!;
      mb.logprobs[j] = this.logprobs[i]!;
      mb.values[j] = this.values[i]!;
      mb.advantages[j] = this.advantages[i]!;
      mb.returns[j] = this.returns[i]!;
    }
  }
}

/**
 * The final observations of a rollout's truncated steps, in the order they were added, each with
 * its buffer row t·N + n. The storage starts at N rows and doubles when a rollout has more, so it
 * is allocated once in a steady run.
 */
export class FinalObservations {
  /** Observations held (rows [0, count) of `obs` and `rows`). */
  count = 0;
  /** [capacity] the buffer row t·N + n of each final observation. */
  rows: Int32Array;
  /** [capacity] the observations, shaped like a VectorEnv batch. */
  obs: BatchedObservation;
  private readonly leaves: ReadonlyArray<readonly [string | null, Box]>;

  constructor(
    private readonly observationSpace: Space,
    capacity: number,
  ) {
    this.leaves = boxLeaves(observationSpace);
    this.rows = new Int32Array(Math.max(1, capacity));
    this.obs = allocateBatch(observationSpace, this.rows.length);
  }

  /** Forget the held observations (the storage stays). */
  clear(): void {
    this.count = 0;
  }

  /** Add row `index` of `batch` as the final observation of buffer row `row`. */
  push(row: number, batch: BatchedObservation, index: number): void {
    if (this.count === this.rows.length) this.grow();
    const k = this.count++;
    this.rows[k] = row;
    for (const [key, box] of this.leaves) {
      batchLeaf(this.obs, key).set(batchLeaf(batch, key).subarray(index * box.size, (index + 1) * box.size), k * box.size);
    }
  }

  /** Double the storage, keeping the held rows. */
  private grow(): void {
    const capacity = 2 * this.rows.length;
    const rows = new Int32Array(capacity);
    rows.set(this.rows);
    const obs = allocateBatch(this.observationSpace, capacity);
    for (const [key] of this.leaves) batchLeaf(obs, key).set(batchLeaf(this.obs, key));
    this.rows = rows;
    this.obs = obs;
  }
}
