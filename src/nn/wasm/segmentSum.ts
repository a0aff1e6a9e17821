/**
 * `UnsortedSegmentSum` for the wasm backend, which lacks it. It is the gradient of `tf.gather`
 * (embedding lookups, picking the log-probability of the taken action by index):
 *   out[segmentIds[i], ...] += x[i, ...]
 * Ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm, KernelArgs } from './wasmKernels.js';

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`wasm UnsortedSegmentSum supports float32 and int32 data, got ${x.dtype}`);
  }
  const idRank = segmentIds.shape.length;
  const count = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(idRank).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype);
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  dst.fill(0);
  for (let i = 0; i < count; i++) {
    const seg = ids[i];
    if (seg < 0 || seg >= numSegments) continue;
    const s = i * inner;
    const d = seg * inner;
    for (let k = 0; k < inner; k++) dst[d + k] += src[s + k];
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
