/**
 * `Slice` for the wasm backend. The stock kernel first copies the WHOLE input out of the wasm heap
 * (`readSync`) and then slices the copy, so taking a minibatch of 32 rows from a 256×64×64×4
 * batch costs a 16 MB copy each time. This one copies only the selected elements, straight from
 * heap to heap, in contiguous runs.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type KernelArgs, heapF32 } from './wasmKernels.js';

interface SliceAttrs {
  begin: number | number[];
  size: number | number[];
}

/** Wrap the stock kernel, which still handles string tensors (not on the heap). */
export function heapSlice(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stock.kernelFunc(args) as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const out = backend.makeOutput(extent, x.dtype);
    if (tf.util.sizeFromShape(extent) === 0) return out;
    copySlice(typedView(backend, x), typedView(backend, out), x.shape, start, extent);
    return out;
  };
  return { kernelName: stock.kernelName, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}

function typedView(backend: BackendWasm, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  return info.dtype === 'float32' ? heapF32(backend, info) : (backend.typedArrayFromHeap(info) as Int32Array | Uint8Array);
}

/** Copy `src[start : start + extent]` (per axis) of a tensor of `shape` into the dense `dst`. */
function copySlice<T extends Float32Array | Int32Array | Uint8Array>(
  src: T,
  dst: T,
  shape: number[],
  start: number[],
  extent: number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const strides = tf.util.computeStrides(shape);
  // Trailing axes taken whole merge into one contiguous run with the axis before them.
  let k = rank - 1;
  while (k > 0 && start[k] === 0 && extent[k] === shape[k]) k--;
  const run = k === rank - 1 ? extent[k] : extent[k] * strides[k];
  const base = start[k] * (k === rank - 1 ? 1 : strides[k]);
  const index = new Array<number>(k).fill(0);
  let o = 0;
  for (;;) {
    let offset = base;
    for (let d = 0; d < k; d++) offset += (start[d] + index[d]) * strides[d];
    dst.set(src.subarray(offset, offset + run), o);
    o += run;
    // Odometer over the outer axes 0..k-1.
    let d = k - 1;
    while (d >= 0 && ++index[d] === extent[d]) index[d--] = 0;
    if (d < 0) return;
  }
}
