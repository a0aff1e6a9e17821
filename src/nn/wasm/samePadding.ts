/**
 * A fix for the stock wasm convolutions with `pad: 'same'`. They hand 'same' to XNNPACK, which
 * then disagrees with TensorFlow whenever the padding TensorFlow computes is clamped to zero
 * (stride larger than the kernel, e.g. a 3×3 kernel at stride 4 on 8 pixels): outputs shift by a
 * pixel. The input gradient of conv2dTranspose hits this for such shapes. The wrapper computes
 * TensorFlow's 'same' padding itself and passes it explicitly, which XNNPACK applies as given.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './wasmKernels.js';

interface ConvAttrs {
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Wrap a stock Conv2D-like kernel (inputs x and filter) so that it never receives pad 'same'. */
export function withExplicitSamePadding(stock: tf.KernelConfig, depthwise: boolean): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const attrs = args.attrs as unknown as ConvAttrs;
    if (attrs.pad !== 'same') return stock.kernelFunc(args) as tf.TensorInfo;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const { top, bottom, left, right } = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      'same',
      attrs.dimRoundingMode,
      depthwise,
    ).padInfo;
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return stock.kernelFunc({ ...args, attrs: { ...args.attrs, pad } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
  };
  return { kernelName: stock.kernelName, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}
