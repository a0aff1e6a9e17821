/**
 * Faster transposed matrix products on wasm. The stock `BatchMatMul` and `_FusedMatMul` use
 * XNNPACK only when neither operand is transposed; with `transposeA` or `transposeB` they fall
 * back to a scalar loop about 10× slower. Every dense layer's backward pass needs both
 * (dW = xᵀ·dy, dx = dy·Wᵀ), so these wrappers transpose the operand explicitly (a copy that
 * costs O(n), against the O(n·m) product) and call the stock kernel untransposed.
 */
import type * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type KernelArgs, freeIntermediate, transposeLastTwo } from './wasmKernels.js';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Wrap a stock matmul kernel so that it never sees a transpose flag. */
export function withExplicitTransposes(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    if (!attrs.transposeA && !attrs.transposeB) return stock.kernelFunc(args) as tf.TensorInfo;
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const aT = attrs.transposeA ? transposeLastTwo(backend, a) : a;
    const bT = attrs.transposeB ? transposeLastTwo(backend, b) : b;
    try {
      return stock.kernelFunc({
        inputs: { ...args.inputs, a: aT, b: bT },
        backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    } finally {
      if (aT !== a) freeIntermediate(backend, aT);
      if (bT !== b) freeIntermediate(backend, bT);
    }
  };
  // The stock setupFunc binds the wasm function the stock kernelFunc calls.
  return { kernelName: stock.kernelName, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}
