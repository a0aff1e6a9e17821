/**
 * `Conv2DBackpropFilter` for the wasm backend, which ships without it (so no CNN trains on wasm
 * out of the box). Used by the gradients of `tf.conv2d` (filter) and `tf.conv2dTranspose` (filter).
 *
 *   dW[kh, kw, ci, co] = Σ_b Σ_oh Σ_ow x[b, oh·s + kh − padTop, ow·s + kw − padLeft, ci] · dy[b, oh, ow, co]
 *
 * is one matrix product [KH·KW·Cin, P] × [P, Cout] over the P = OH·OW·B output positions, done
 * by XNNPACK in one of two ways, both with x laid out as [Cin, H, W, B] and dy as [OH, OW, B, Cout]
 * (so each position's batch is a contiguous run):
 *
 * - Patch matrix (when Cout ≥ 32 and B ≥ 32): copy the KH·KW·Cin rows of x's patches, P floats
 *   each, in runs of B, and multiply by dy as [P, Cout] in one `BatchMatMul`. XNNPACK's matrix
 *   product runs this shape ~1.8× faster than its convolution, which repays the copy once each
 *   copied float meets ≥ 32 output channels (measured in a PPO update, batch 256: conv 16→32
 *   4×4/2 −25 %, conv 32→32 3×3/1 −11 %; on conv 1→16 8×8/4 the copy of the 64 × 57,600 patch
 *   matrix costs more than the faster product saves).
 * - Dilated convolution (otherwise): correlate x, as an image [Cin, H, W] with B channels, with
 *   dy [OH, OW, B, Cout] as the filter, at stride 1 and dilation s; output pixel (kh, kw) of image
 *   ci, channel co is exactly dW[kh, kw, ci, co]. Padding of the original conv becomes explicit
 *   padding; the result is cropped to [KH, KW] (a 'valid' conv may leave trailing input rows
 *   unused) and transposed to [KH, KW, Cin, Cout]. No copy, but XNNPACK's slower convolution path.
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

/** Output channels and batch from which the patch matrix pays for its copy (see the header). */
const PATCH_MIN_OUT_CHANNELS = 32;
const PATCH_MIN_BATCH = 32;

function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  const xT = runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyT = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  try {
    const usePatches = info.outChannels >= PATCH_MIN_OUT_CHANNELS && info.batchSize >= PATCH_MIN_BATCH;
    return usePatches ? viaPatchMatrix(backend, info, xT, dyT) : viaDilatedConv(backend, info, xT, dyT);
  } finally {
    freeIntermediate(backend, xT);
    freeIntermediate(backend, dyT);
  }
}

/** dW = patches [KH·KW·Cin, P] × dy [P, Cout], positions in (oh, ow, b) order. */
function viaPatchMatrix(backend: BackendWasm, info: tf.backend_util.Conv2DInfo, xT: tf.TensorInfo, dyT: tf.TensorInfo): tf.TensorInfo {
  const { batchSize: nb, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout } = info;
  const { top, left } = info.padInfo;
  const positions = oh * ow * nb;
  const patches = backend.makeOutput([1, kh * kw * cin, positions], 'float32');
  // Views taken after the last allocation: a heap growth would detach earlier ones. Runs are
  // copied within the one heap buffer (copyWithin is a native memmove).
  const src = heapF32(backend, xT);
  const heap = new Float32Array(src.buffer);
  const srcBase = src.byteOffset >> 2;
  let o = heapF32(backend, patches).byteOffset >> 2;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh + i - top;
          for (let xx = 0; xx < ow; xx++) {
            const ix = xx * sw + j - left;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              heap.fill(0, o, o + nb);
            } else {
              const from = srcBase + ((c * h + iy) * w + ix) * nb;
              heap.copyWithin(o, from, from + nb);
            }
            o += nb;
          }
        }
      }
    }
  }
  const dy2 = runWasmKernel(backend, 'Reshape', { x: dyT }, { shape: [1, positions, cout] });
  const dw = runWasmKernel(backend, 'BatchMatMul', { a: patches, b: dy2 }, { transposeA: false, transposeB: false });
  freeIntermediate(backend, patches);
  freeIntermediate(backend, dy2);
  const out = runWasmKernel(backend, 'Reshape', { x: dw }, { shape: [kh, kw, cin, cout] });
  freeIntermediate(backend, dw);
  return out;
}

/** dW as the dilated correlation of x [Cin, H, W, B] with dy [OH, OW, B, Cout]. */
function viaDilatedConv(backend: BackendWasm, info: tf.backend_util.Conv2DInfo, xT: tf.TensorInfo, dyT: tf.TensorInfo): tf.TensorInfo {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout } = info;
  const { top, left } = info.padInfo;
  // Bottom/right padding that makes the correlation at least KH×KW; any surplus is cropped below.
  const bottom = Math.max(0, kh + (oh - 1) * sh - h - top);
  const right = Math.max(0, kw + (ow - 1) * sw - w - left);
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
