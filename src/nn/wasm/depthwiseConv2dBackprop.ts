/**
 * `DepthwiseConv2dNativeBackpropInput` and `…BackpropFilter` for the wasm backend, which lacks
 * both (a depthwise conv layer cannot train on it without them). Depthwise convs cost little
 * (one filter per channel), so a direct loop over the forward conv's multiply-adds is enough:
 *   y[b, oy, ox, c·M + m] = Σ_i Σ_j x[b, oy·sh + i·dh − top, ox·sw + j·dw − left, c] · f[i, j, c, m]
 * The input gradient scatters dy·f back onto x's positions; the filter gradient sums x·dy.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type KernelArgs, heapF32 } from './wasmKernels.js';

interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** Visit every (x index, dy index, filter index) triple of the forward conv's multiply-adds, per channel pair. */
function forEachTap(info: Conv2DInfo, visit: (xi: number, dyi: number, fi: number, channels: number, mult: number) => void): void {
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: cin, outHeight: oh, outWidth: ow, outChannels: cout } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const mult = cout / cin;
  for (let b = 0; b < nb; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const dyi = ((b * oh + y) * ow + x) * cout;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh + i * dh - top;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw + j * dw - left;
            if (ix < 0 || ix >= w) continue;
            visit(((b * h + iy) * w + ix) * cin, dyi, (i * kw + j) * cin * mult, cin, mult);
          }
        }
      }
    }
  }
}

function convInfo(xShape: number[], filterShape: number[], attrs: DepthwiseBackpropAttrs): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

function depthwiseBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseBackpropAttrs & { inputShape: number[] };
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const out = backend.makeOutput(attrs.inputShape, 'float32');
  const dx = heapF32(backend, out);
  const g = heapF32(backend, dy);
  const f = heapF32(backend, filter);
  dx.fill(0);
  forEachTap(info, (xi, dyi, fi, channels, mult) => {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let m = 0; m < mult; m++) sum += g[dyi + c * mult + m] * f[fi + c * mult + m];
      dx[xi + c] += sum;
    }
  });
  return out;
}

function depthwiseBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseBackpropAttrs & { filterShape: number[] };
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  const df = heapF32(backend, out);
  const xs = heapF32(backend, x);
  const g = heapF32(backend, dy);
  df.fill(0);
  forEachTap(info, (xi, dyi, fi, channels, mult) => {
    for (let c = 0; c < channels; c++) {
      const xv = xs[xi + c];
      for (let m = 0; m < mult; m++) df[fi + c * mult + m] += xv * g[dyi + c * mult + m];
    }
  });
  return out;
}

export const depthwiseConv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};

export const depthwiseConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
