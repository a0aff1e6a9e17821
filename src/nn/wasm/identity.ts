/**
 * `Identity` for the wasm backend. The engine runs it for every `tensor.clone()`, and the tape
 * clones each tensor a gradient needs (saveTensorsForBackwardMode) — 32 clones per step of the
 * reference network, including its 16 MB input. The stock kernel copies the data each time; this
 * one shares it and counts the reference, as `Reshape` does and as the cpu backend's `Identity`
 * does. Sharing is safe because no kernel writes into its inputs.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm, KernelArgs } from './wasmKernels.js';

/** Wrap the stock kernel, which still handles string tensors (not on the heap). */
export function sharedIdentity(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stock.kernelFunc(args) as tf.TensorInfo;
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
  return { kernelName: stock.kernelName, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}
