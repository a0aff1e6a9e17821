/**
 * Kernels robonav adds to the wasm backend, registered once by `initBackend()` before the
 * backend is first used. Each entry fills a gap of @tensorflow/tfjs-backend-wasm 4.22 that
 * training needs (the stock package has no `Conv2DBackpropFilter`, so no CNN can train).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter.js';

export const WASM_KERNELS: readonly tf.KernelConfig[] = [conv2dBackpropFilterConfig];

/** Register every kernel of `WASM_KERNELS` that is not registered yet (idempotent). */
export function registerWasmKernels(): void {
  for (const config of WASM_KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) tf.registerKernel(config);
  }
}
