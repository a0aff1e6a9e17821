/**
 * `Conv2DBackpropInput` for the wasm backend, replacing the stock kernel (a scalar loop, about 5×
 * slower than XNNPACK). It is the input gradient of `tf.conv2d` and the forward pass of
 * `tf.conv2dTranspose`.
 *
 * Method (sub-pixel convolution): the forward conv read input pixel i (per axis) through the taps
 * k = i + pad − oh·s of every output oh, so pixels of one phase r = (i + pad) mod s only ever meet
 * the taps k ≡ r (mod s). Writing i + pad = q·s + r and k = r + s·m,
 *   dx[q·s + r − pad] = Σ_m dy[q − m] · W[r + s·m]ᵀ   (m = 0 … M−1, M = ⌈K/s⌉; W[k] = 0 for k ≥ K)
 * which for every phase is a stride-1 correlation of dy, zero-padded by M − 1 − ⌊pad/s⌋ before,
 * with the phase's taps flipped. All sh·sw phases share the windows of dy, so they run as ONE
 * XNNPACK convolution whose output channels are (rh, rw, ci): kernel Mh×Mw, reduction
 * Mh·Mw·Cout, sh·sw·Cin outputs. A transpose then moves each phase's pixels to their places
 * (depth-to-space) and a slice crops the border; rows and columns that no window of the forward
 * conv read (the tail of a 'valid' conv) are not computed but zero-padded. At stride 1 with no
 * crop the conv output is dx. (The stock `DepthToSpace` kernel would do the same move 90× slower
 * than `Transpose`.)
 *
 * Why: the GEMM method (dy · Wᵀ as one matrix product, then col2im) has only Cout terms per
 * dot product, where XNNPACK runs at half speed, and its col2im pass of read-modify-write adds
 * cost as much again. This one computes some zero products at the image borders (the padding) but
 * runs at XNNPACK's full rate and moves each dx value once: −33 % on dy 256×6×6×32 with a
 * 4×4×16×32 filter at stride 2, −23 % on dy 256×4×4×32 with 3×3×32×32 at stride 1.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type KernelArgs, freeIntermediate, heapF32, runWasmKernel } from './wasmKernels.js';

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** How one spatial axis of dx maps onto the rows (or columns) of the sub-pixel conv's output. */
interface AxisPlan {
  /** Taps per phase, ⌈K/s⌉. */
  taps: number;
  /** Zero padding of dy before and after, for the conv. */
  padBefore: number;
  padAfter: number;
  /** Conv output index of dx index i is ⌊(i + pad)/s⌋ + shift. */
  shift: number;
  /** Length of the conv output along this axis. */
  length: number;
  /** No pixel on this axis was read by the forward conv (its padding covered every window). */
  unread: boolean;
}

/**
 * Plan one axis: dx length `n`, dy length `outLen`, kernel `k`, stride `s`, leading pad `pad`.
 * The super-pixels q = ⌊(i + pad)/s⌋ of dx run from qLo to qHi, but only pixels up to
 * (outLen − 1)·s + k − 1 − pad were read by the forward conv (a 'valid' conv may skip the last
 * rows); the rest of dx is zero and is not computed. Conv output t holds q = t + qLo − offset.
 */
function planAxis(n: number, outLen: number, k: number, s: number, pad: number): AxisPlan {
  const taps = Math.ceil(k / s);
  const qLo = Math.floor(pad / s);
  const qHi = Math.floor(Math.min(n - 1 + pad, (outLen - 1) * s + k - 1) / s);
  // Padding that puts q = qLo at output 0; an explicit pad beyond the kernel would make it
  // negative, and then the output starts earlier and the first `offset` rows go unused.
  const exact = taps - 1 - qLo;
  const padBefore = Math.max(0, exact);
  const offset = padBefore - exact;
  const needed = qHi - qLo + 1 + offset;
  const padAfter = Math.max(0, needed - (outLen + padBefore - taps + 1));
  const length = outLen + padBefore + padAfter - taps + 1;
  return { taps, padBefore, padAfter, shift: offset - qLo, length, unread: qHi < qLo };
}

function conv2dBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const convInfo = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (convInfo.dataFormat !== 'channelsLast') {
    throw new Error(`wasm Conv2DBackpropInput supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: cin, outHeight: oh, outWidth: ow, outChannels: cout } = convInfo;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = convInfo;
  const { top, left } = convInfo.padInfo;
  const rows = planAxis(h, oh, kh, sh, top);
  const cols = planAxis(w, ow, kw, sw, left);
  if (rows.unread || cols.unread) {
    const zeros = backend.makeOutput([nb, h, w, cin], 'float32');
    heapF32(backend, zeros).fill(0);
    return zeros;
  }

  const subFilter = backend.makeOutput([rows.taps, cols.taps, cout, sh * sw * cin], 'float32');
  writeSubPixelFilter(heapF32(backend, filter), heapF32(backend, subFilter), kh, kw, cin, cout, sh, sw, rows.taps, cols.taps);
  const phases = runWasmKernel(
    backend,
    'Conv2D',
    { x: dy, filter: subFilter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [rows.padBefore, rows.padAfter],
        [cols.padBefore, cols.padAfter],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
  freeIntermediate(backend, subFilter);

  // Depth-to-space: [B, Lh, Lw, (rh, rw, ci)] → [B, Lh, rh, Lw, rw, ci] = [B, Lh·sh, Lw·sw, Cin].
  let full = phases;
  if (sh > 1 || sw > 1) {
    const grouped = runWasmKernel(backend, 'Reshape', { x: phases }, { shape: [nb * rows.length, cols.length, sh, sw * cin] });
    const spread = runWasmKernel(backend, 'Transpose', { x: grouped }, { perm: [0, 2, 1, 3] });
    full = runWasmKernel(backend, 'Reshape', { x: spread }, { shape: [nb, rows.length * sh, cols.length * sw, cin] });
    freeIntermediate(backend, grouped);
    freeIntermediate(backend, spread);
    freeIntermediate(backend, phases);
  }
  // dx row i sits at row i + top + shift·sh of that (likewise for columns): crop to dx, and
  // zero-pad the trailing rows and columns that no output reached.
  const [, fullH, fullW] = full.shape;
  const begin = [0, top + rows.shift * sh, left + cols.shift * sw, 0];
  const keptH = Math.min(h, fullH - begin[1]);
  const keptW = Math.min(w, fullW - begin[2]);
  let dx = full;
  if (begin[1] > 0 || begin[2] > 0 || fullH > keptH || fullW > keptW) {
    dx = runWasmKernel(backend, 'Slice', { x: full }, { begin, size: [nb, keptH, keptW, cin] });
    freeIntermediate(backend, full);
  }
  if (keptH < h || keptW < w) {
    const cropped = dx;
    const paddings = [
      [0, 0],
      [0, h - keptH],
      [0, w - keptW],
      [0, 0],
    ];
    dx = runWasmKernel(backend, 'PadV2', { x: cropped }, { paddings, constantValue: 0 });
    freeIntermediate(backend, cropped);
  }
  return dx;
}

/**
 * The sub-pixel conv's filter [Mh, Mw, Cout, (rh, rw, ci)]: tap (a, c) of phase (rh, rw) is the
 * forward tap (rh + sh·(Mh − 1 − a), rw + sw·(Mw − 1 − c)) transposed, or zero past the kernel.
 */
function writeSubPixelFilter(
  src: Float32Array,
  dst: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  sh: number,
  sw: number,
  mh: number,
  mw: number,
): void {
  let d = 0;
  for (let a = 0; a < mh; a++) {
    for (let c = 0; c < mw; c++) {
      for (let co = 0; co < cout; co++) {
        for (let rh = 0; rh < sh; rh++) {
          const i = rh + sh * (mh - 1 - a);
          for (let rw = 0; rw < sw; rw++) {
            const j = rw + sw * (mw - 1 - c);
            if (i >= kh || j >= kw) {
              dst.fill(0, d, d + cin);
              d += cin;
              continue;
            }
            const s = (i * kw + j) * cin * cout + co;
            for (let ci = 0; ci < cin; ci++) dst[d++] = src[s + ci * cout];
          }
        }
      }
    }
  }
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput,
};
