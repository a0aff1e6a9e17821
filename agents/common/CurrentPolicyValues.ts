/**
 * The values and log-probs an off-policy rollout needs under the learner's current weights (APPO's
 * V-trace, IMPALA's bootstrap_value): V(s_t) and log π(a_t|s_t) of every buffer row, V(s_T) and
 * V(final obs) at the truncated steps, replayed in passes over groups of whole env sequences so a
 * recurrent core sees each env's observations in the order the collector met them.
 */
import * as tf from '@tensorflow/tfjs';
import { allocateBatch, batchLeaf } from '../../src/core/batch.js';
import type { BatchedObservation } from '../../src/core/Env.js';
import type { Space } from '../../src/core/spaces.js';
import type { ActorCritic } from '../../src/nn/ActorCritic.js';
import type { RolloutBuffer } from './RolloutBuffer.js';

/** Rows per forward pass when V-trace recomputes the buffer under the current weights (whole env sequences and their bootstrap observations). */
const RECOMPUTE_ROWS = 1024;

/** What a row of a recompute pass evaluates: step t of the buffer, a truncated step's final observation, s_T, or padding. */
const STEP = 0;
const FINAL = 1;
const LAST = 2;
const PAD = 3;

/** The rows of one recompute pass, grown to the largest pass (so allocated once in a steady run). */
interface RecomputeScratch {
  capacity: number;
  obs: BatchedObservation;
  actions: Float32Array;
  starts: Float32Array;
  /** STEP, FINAL, LAST or PAD. */
  kind: Uint8Array;
  /** STEP: the buffer row; FINAL: the index in `buffer.finals`; LAST: the env. */
  index: Int32Array;
}

/**
 * Recomputes a buffer's values, log-probs and bootstraps under the network's current weights
 * (working arrays allocated once per buffer, grown to the largest pass).
 */
export class CurrentPolicyValues {
  /** Buffer row → index of its final observation in `buffer.finals` (−1: not truncated). */
  private readonly finalAt: Int32Array;
  private current: RecomputeScratch | null = null;

  constructor(
    private readonly network: ActorCritic,
    private readonly buffer: RolloutBuffer,
    private readonly observationSpace: Space,
  ) {
    this.finalAt = new Int32Array(buffer.size);
  }

  /**
   * V(s_t) and log π(a_t|s_t) of the whole buffer, V(s_T) (into `lastValues`) and V(final obs) at
   * the truncated steps (into `finalValues`), all under the current weights, in passes over groups
   * of whole env sequences. Each env's rows come in the order the collector met the observations:
   * o_0 … o_{T−1} with each truncated step's final observation right after its o_t (the state after
   * o_t, no reset), then s_T (reset where `lastStarts` says so). o_{t+1} after a truncation begins an
   * episode, whose reset zeroes the state, so an inserted row leaves the rows after it unchanged.
   * Recurrent passes are time-major and pad a group's shorter sequences at their end (outputs
   * dropped); feed-forward passes take the rows as they come.
   */
  run(outValues: Float32Array, outLogprobs: Float32Array): void {
    const b = this.buffer;
    const net = this.network;
    const T = b.numSteps;
    const N = b.numEnvs;
    const A = b.actionSize;
    const finals = b.finals;
    const finalAt = this.finalAt.fill(-1);
    for (let k = 0; k < finals.count; k++) finalAt[finals.rows[k]!] = k;
    const perGroup = Math.max(1, Math.min(N, Math.floor(RECOMPUTE_ROWS / (T + 1))));
    for (let first = 0; first < N; first += perGroup) {
      const E = Math.min(perGroup, N - first);
      // Positions of the longest sequence in the group: T steps, its truncations, s_T.
      let length = 0;
      for (let n = first; n < first + E; n++) {
        let count = T + 1;
        for (let t = 0; t < T; t++) if (finalAt[t * N + n]! >= 0) count++;
        length = Math.max(length, count);
      }
      const s = this.scratch(E * length);
      let rows = 0;
      const put = (position: number, j: number, kind: number, index: number): void => {
        const r = net.core ? position * E + j : rows;
        rows++;
        s.kind[r] = kind;
        s.index[r] = index;
      };
      for (let j = 0; j < E; j++) {
        const n = first + j;
        let p = 0;
        for (let t = 0; t < T; t++) {
          put(p++, j, STEP, t * N + n);
          if (finalAt[t * N + n]! >= 0) put(p++, j, FINAL, finalAt[t * N + n]!);
        }
        put(p++, j, LAST, n);
        if (net.core) while (p < length) put(p++, j, PAD, -1);
      }
      for (let r = 0; r < rows; r++) {
        const i = s.index[r]!;
        const kind = s.kind[r]!;
        if (kind === STEP) {
          copyObsRow(b, b.obs, i, s.obs, r);
          s.actions.set(b.actions.subarray(i * A, (i + 1) * A), r * A);
        } else {
          if (kind === FINAL) copyObsRow(b, finals.obs, i, s.obs, r);
          else if (kind === LAST) copyObsRow(b, b.lastObs, i, s.obs, r);
          s.actions.fill(0, r * A, (r + 1) * A);
        }
        s.starts[r] = kind === STEP ? b.starts[i]! : kind === LAST ? b.lastStarts[i]! : kind === PAD ? 1 : 0;
      }
      const { value, logprob } = tf.tidy(() => {
        const obs = net.obsTensors(s.obs, 0, rows);
        let out: { params: tf.Tensor2D; value: tf.Tensor1D };
        if (net.core) {
          const H = net.core.size;
          const state0 = b.initialState.map((h) => tf.slice(tf.tensor2d(h, [N, H]), [first, 0], [E, H]));
          out = net.sequence(obs, state0, tf.tensor2d(s.starts.subarray(0, rows), [length, E]));
        } else {
          out = net.step(obs);
        }
        const actions = tf.tensor2d(s.actions.subarray(0, rows * A), [rows, A]);
        const lp =
          net.dist.kind === 'categorical' ? net.dist.logProb(out.params, actions) : net.dist.logProb(out.params, actions, net.logStd!);
        return { value: out.value, logprob: lp };
      });
      const v = value.dataSync();
      const lp = logprob.dataSync();
      for (let r = 0; r < rows; r++) {
        const i = s.index[r]!;
        const kind = s.kind[r]!;
        if (kind === STEP) {
          outValues[i] = v[r]!;
          outLogprobs[i] = lp[r]!;
        } else if (kind === FINAL) {
          b.finalValues[finals.rows[i]!] = v[r]!;
        } else if (kind === LAST) {
          b.lastValues[i] = v[r]!;
        }
      }
      tf.dispose([value, logprob]);
    }
  }

  /** The recompute scratch with room for `rows` rows (grown by doubling). */
  private scratch(rows: number): RecomputeScratch {
    const have = this.current;
    if (have && have.capacity >= rows) return have;
    const capacity = Math.max(rows, 2 * (have?.capacity ?? 0));
    this.current = {
      capacity,
      obs: allocateBatch(this.observationSpace, capacity),
      actions: new Float32Array(capacity * this.buffer.actionSize),
      starts: new Float32Array(capacity),
      kind: new Uint8Array(capacity),
      index: new Int32Array(capacity),
    };
    return this.current;
  }
}

/** Copy row `from` of `src` into row `to` of `dst` (batches shaped like `buffer.obs`). */
function copyObsRow(buffer: RolloutBuffer, src: BatchedObservation, from: number, dst: BatchedObservation, to: number): void {
  for (const [key, box] of buffer.leaves)
    batchLeaf(dst, key).set(batchLeaf(src, key).subarray(from * box.size, (from + 1) * box.size), to * box.size);
}
