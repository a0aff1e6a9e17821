/**
 * Helpers for kernels that robonav registers on the wasm backend. A kernel may call other wasm
 * kernels directly (not through `tf.*` ops): that skips the engine's per-op bookkeeping and keeps
 * intermediates out of the tensor count, but the caller must then free every intermediate itself.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };

/** The argument of every kernel function: input tensor infos, the backend, the op's attributes. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Run the wasm kernel `name` synchronously on tensor infos; the result is owned by the caller. */
export function runWasmKernel(backend: BackendWasm, name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return config.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
}

/**
 * Release an intermediate made by `runWasmKernel` or `backend.makeOutput`. Reference-counted,
 * because a `Reshape` result shares its data with its input.
 */
export function freeIntermediate(backend: BackendWasm, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** Swap the last two axes (a matrix transpose of every matrix in the batch). */
export function transposeLastTwo(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

/** A float32 view of a tensor's data on the wasm heap (valid until the heap grows). */
export function heapF32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
