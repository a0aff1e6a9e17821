/**
 * Batched observation buffers for vector envs: one typed array of N × size values per Box
 * (env-major), grouped like the single-env space. Shared by the in-process and the worker
 * vector envs so both lay out memory identically.
 */
import type { BatchedObservation, Observation } from './Env.js';
import { Box, Dict, type Space } from './spaces.js';

/** The Box leaves of a space, in key order: [key | null, box]. Discrete observations are not batched. */
export function boxLeaves(space: Space): Array<[string | null, Box]> {
  if (space instanceof Box) return [[null, space]];
  if (space instanceof Dict) {
    return Object.entries(space.spaces as Record<string, Space>).map(([key, sub]) => {
      if (!(sub instanceof Box)) throw new TypeError(`vector envs batch Box observations; "${key}" is ${sub.toString()}`);
      return [key, sub];
    });
  }
  throw new TypeError(`vector envs batch Box or Dict observations, got ${space.toString()}`);
}

/** The typed array of one Box leaf of a batch (`key` null: the batch is a single Box's array). */
export function batchLeaf(batch: BatchedObservation, key: string | null): Float32Array | Uint8Array {
  return key === null ? (batch as Float32Array | Uint8Array) : (batch as Record<string, Float32Array | Uint8Array>)[key]!;
}

/** Allocate batched buffers for `numEnvs` copies of `space`, optionally over a SharedArrayBuffer. */
export function allocateBatch(space: Space, numEnvs: number, shared = false): BatchedObservation {
  const make = (box: Box): Float32Array | Uint8Array => {
    const bytesPer = box.dtype === 'uint8' ? 1 : 4;
    const buffer = shared ? new SharedArrayBuffer(box.size * numEnvs * bytesPer) : new ArrayBuffer(box.size * numEnvs * bytesPer);
    return box.dtype === 'uint8' ? new Uint8Array(buffer) : new Float32Array(buffer);
  };
  const leaves = boxLeaves(space);
  if (leaves.length === 1 && leaves[0]![0] === null) return make(leaves[0]![1]);
  const out: Record<string, Float32Array | Uint8Array> = {};
  for (const [key, box] of leaves) out[key!] = make(box);
  return out;
}

/** Copy one env's observation into slot `index` of a batch. */
export function writeToBatch(space: Space, batch: BatchedObservation, index: number, obs: Observation): void {
  for (const [key, box] of boxLeaves(space)) {
    const src = (key === null ? obs : (obs as Record<string, Observation>)[key]) as Float32Array | Uint8Array;
    const dst = key === null ? (batch as Float32Array | Uint8Array) : (batch as Record<string, Float32Array | Uint8Array>)[key]!;
    dst.set(src, index * box.size);
  }
}

/** A fresh copy of slot `index` of a batch, shaped like a single observation. */
export function readFromBatch(space: Space, batch: BatchedObservation, index: number): Observation {
  const leaves = boxLeaves(space);
  const slice = (key: string | null, box: Box): Float32Array | Uint8Array => {
    const src = key === null ? (batch as Float32Array | Uint8Array) : (batch as Record<string, Float32Array | Uint8Array>)[key]!;
    return src.slice(index * box.size, (index + 1) * box.size);
  };
  if (leaves.length === 1 && leaves[0]![0] === null) return slice(null, leaves[0]![1]);
  const out: Record<string, Float32Array | Uint8Array> = {};
  for (const [key, box] of leaves) out[key!] = slice(key, box);
  return out;
}

/** A deep copy of a single observation (for `info.finalObs`). */
export function copyObservation(obs: Observation): Observation {
  if (typeof obs === 'number') return obs;
  if (obs instanceof Float32Array || obs instanceof Uint8Array) return obs.slice();
  const out: Record<string, Observation> = {};
  for (const [key, value] of Object.entries(obs)) out[key] = copyObservation(value);
  return out as Observation;
}
