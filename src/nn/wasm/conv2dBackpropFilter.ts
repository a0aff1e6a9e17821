/**
 * `Conv2DBackpropFilter` for the wasm backend, which ships without it (so no CNN trains on wasm
 * out of the box). Used by the gradients of `tf.conv2d` (filter) and `tf.conv2dTranspose` (filter).
 *
 * The filter gradient of a convolution with stride s is itself a convolution, run on XNNPACK's
 * fast forward path: correlate x, laid out as [Cin, H, W, B] (the batch becomes the channel axis
 * that is summed over), with dy laid out as [OH, OW, B, Cout] as the filter, at stride 1 and
 * dilation s. Output pixel (kh, kw) of image ci, channel co is then
 *   Σ_b Σ_oh Σ_ow x[b, oh·s + kh − padTop, ow·s + kw − padLeft, ci] · dy[b, oh, ow, co],
 * which is exactly dW[kh, kw, ci, co]. Padding of the original conv becomes explicit padding
 * here; the result is cropped to [KH, KW] (a 'valid' conv may leave trailing input rows unused)
 * and transposed to [KH, KW, Cin, Cout].
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type KernelArgs, freeIntermediate, heapF32, runWasmKernel } from './wasmKernels.js';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const convInfo = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (convInfo.dataFormat !== 'channelsLast') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = convInfo;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout } = convInfo;
  const { top, left } = convInfo.padInfo;
  // Bottom/right padding that makes the correlation at least KH×KW; any surplus is cropped below.
  const bottom = Math.max(0, kh + (oh - 1) * sh - h - top);
  const right = Math.max(0, kw + (ow - 1) * sw - w - left);

  const xT = runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyT = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const corr = runWasmKernel(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dilations: [sh, sw],
      dataFormat: 'NHWC',
    },
  );
  freeIntermediate(backend, xT);
  freeIntermediate(backend, dyT);

  // corr is [Cin, CH, CW, Cout] with CH ≥ KH, CW ≥ KW; gather rows of Cout into [KH, KW, Cin, Cout].
  const ch = corr.shape[1];
  const cw = corr.shape[2];
  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  const src = heapF32(backend, corr);
  const dst = heapF32(backend, out);
  let o = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        const s = ((c * ch + i) * cw + j) * cout;
        dst.set(src.subarray(s, s + cout), o);
        o += cout;
      }
    }
  }
  freeIntermediate(backend, corr);
  return out;
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
