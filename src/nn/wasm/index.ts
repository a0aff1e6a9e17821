/**
 * Kernels robonav adds to or replaces in the wasm backend (@tensorflow/tfjs-backend-wasm 4.22),
 * registered by `initBackend()` before the backend is first used. Each fills a gap that training
 * hits: a kernel that is missing (no CNN could train) or one so slow that it dominates a step.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter.js';
import { conv2dBackpropInputConfig } from './conv2dBackpropInput.js';
import { depthwiseConv2dBackpropFilterConfig, depthwiseConv2dBackpropInputConfig } from './depthwiseConv2dBackprop.js';
import { sharedIdentity } from './identity.js';
import { withExplicitTransposes } from './matMul.js';
import { unsortedSegmentSumConfig } from './segmentSum.js';
import { withExplicitSamePadding } from './samePadding.js';
import { heapSlice } from './slice.js';
import { withSpaceToDepth } from './spaceToDepthConv.js';
import { leadingAxesSum } from './sum.js';

/**
 * Kernels the stock wasm backend lacks and training needs. The others it lacks (against the cpu
 * backend) are Complex/Real/Imag/ComplexAbs/FFT/IFFT, Einsum, the Ragged* and string-regex
 * kernels and Draw: no layer, loss or optimiser robonav uses reaches them.
 */
const ADDED: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
  depthwiseConv2dBackpropFilterConfig,
  unsortedSegmentSumConfig,
];

/** Stock kernels replaced by faster ones, each built from the stock config it wraps or supersedes. */
const REPLACED: Readonly<Record<string, (stock: tf.KernelConfig) => tf.KernelConfig>> = {
  BatchMatMul: withExplicitTransposes,
  _FusedMatMul: withExplicitTransposes,
  Conv2DBackpropInput: () => conv2dBackpropInputConfig,
  Slice: heapSlice,
  Sum: leadingAxesSum,
  Identity: sharedIdentity,
  Conv2D: (stock) => withSpaceToDepth(withExplicitSamePadding(stock, false)),
  FusedConv2D: (stock) => withSpaceToDepth(withExplicitSamePadding(stock, false)),
  DepthwiseConv2dNative: (stock) => withExplicitSamePadding(stock, true),
  FusedDepthwiseConv2D: (stock) => withExplicitSamePadding(stock, true),
};

const registered = new Set<tf.KernelConfig>();

/** Register robonav's wasm kernels (idempotent). */
export function registerWasmKernels(): void {
  for (const config of ADDED) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) {
      tf.registerKernel(config);
      registered.add(config);
    }
  }
  for (const [name, make] of Object.entries(REPLACED)) {
    const stock = tf.getKernel(name, 'wasm');
    if (stock === undefined) throw new Error(`the wasm backend has no ${name} kernel to replace`);
    if (registered.has(stock)) continue;
    const config = make(stock);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
    registered.add(config);
  }
}
