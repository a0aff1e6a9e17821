/**
 * Post-training weight quantisation in TensorFlow.js's own weights-manifest format, as
 * `tensorflowjs_converter --quantize_float16 / --quantize_uint8` writes it: each quantised weight
 * keeps `dtype: 'float32'` in the manifest and carries `quantization: { dtype: 'float16' }` or
 * `{ dtype: 'uint8', scale, min }`; its bytes in the weights file are the quantised values. tfjs's
 * own weight decoder (`tf.io.decodeWeights`, used by every `tf.loadLayersModel`, in Node and in
 * the browser) turns them back into float32 at load, so a quantised model loads with the same
 * loaders and the same page as the float32 one.
 *
 * - **float16**: each value rounded to the nearest half-precision float (ties to even): relative
 *   error at most 2⁻¹¹ for |x| ≥ 2⁻¹⁴ (float16's normal range), absolute error at most 2⁻²⁵ below
 *   it; half the bytes.
 * - **uint8**: per-tensor affine, `x ≈ q · scale + min` with `q` in 0…255, `min` the tensor's
 *   smallest value and `scale = (max − min) / 255`; a quarter of the bytes.
 *
 * Only float32 weights are quantised; int32 and bool weights are copied as they are.
 */
import { setFloat16 } from '@petamoriken/float16';
import type * as tf from '@tensorflow/tfjs';
import { FileFormatError } from '../core/errors.js';

/** The quantised weight types robonav writes, as the manifest's `quantization.dtype` names them. */
export const QUANTIZATION_DTYPES = ['float16', 'uint8'] as const;
/** A quantised weight type: half-precision floats, or per-tensor affine bytes. */
export type QuantizationDtype = (typeof QUANTIZATION_DTYPES)[number];

/** Bytes per stored value of each weight dtype, quantised or not. */
export const BYTES_PER_VALUE = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 } as const;

/** The largest finite float16 (values beyond it would round to ±Infinity). */
export const FLOAT16_MAX = 65504;

/** A float32 tensor's values stored as uint8: `value ≈ data[i] · scale + min`. */
export interface Uint8Quantized {
  data: Uint8Array;
  /** (max − min) / 255; 0 when every value is the same. */
  scale: number;
  /** The smallest value (exactly representable in float32, so it decodes exactly). */
  min: number;
}

/**
 * `values` as per-tensor affine uint8. The values must be finite.
 *
 * Why the rounding error is at most `scale / 2`: every value lies in [min, max], so
 * `t = (value − min) / scale` lies in [0, 255]; `q = round(t)` is then also in 0…255 (no clamping
 * ever moves it) and |q − t| ≤ ½, hence |q · scale + min − value| = scale · |q − t| ≤ scale / 2.
 * The decoder's float32 result adds at most half an ulp of the decoded value on top.
 */
export function quantizeUint8(values: Float32Array): Uint8Quantized {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) return { data: new Uint8Array(0), scale: 0, min: 0 };
  const scale = (max - min) / 255;
  const data = new Uint8Array(values.length);
  if (scale > 0) for (let i = 0; i < values.length; i++) data[i] = Math.round((values[i]! - min) / scale);
  return { data, scale, min };
}

/** `values` as little-endian float16 bytes, each rounded to the nearest half-precision float (ties to even). */
export function quantizeFloat16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) setFloat16(view, i * 2, values[i]!, true);
  return out;
}

/** A weights manifest's entries and the one buffer of bytes they describe, in order. */
export interface WeightData {
  specs: tf.io.WeightsManifestEntry[];
  data: Uint8Array;
}

/**
 * The weights of a model with every float32 weight quantised to `dtype` (manifest entries with a
 * `quantization` field, and the quantised bytes); other weights are copied as they are.
 *
 * @param source the file the weights come from, named in errors
 * @throws FileFormatError naming `source` when a weight is already quantised, holds a NaN or
 *   infinite value, or (float16) a value beyond ±65504.
 */
export function quantizeWeightData({ specs, data }: WeightData, dtype: QuantizationDtype, source: string): WeightData {
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new FileFormatError(source, `weight "${spec.name}" is already quantised (${spec.quantization.dtype})`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const byteLength = size * BYTES_PER_VALUE[spec.dtype as keyof typeof BYTES_PER_VALUE];
    const bytes = data.subarray(offset, offset + byteLength);
    offset += byteLength;
    if (spec.dtype !== 'float32') {
      outSpecs.push({ ...spec });
      parts.push(bytes);
      continue;
    }
    // A copy: the source bytes need not be 4-byte aligned inside the weights file.
    const values = new Float32Array(bytes.slice().buffer);
    for (const v of values) {
      if (!Number.isFinite(v)) throw new FileFormatError(source, `weight "${spec.name}" holds ${v}; only finite weights can be quantised`);
      if (dtype === 'float16' && Math.abs(v) > FLOAT16_MAX)
        throw new FileFormatError(source, `weight "${spec.name}" holds ${v}, beyond float16's range (±${FLOAT16_MAX})`);
    }
    if (dtype === 'float16') {
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
      parts.push(quantizeFloat16(values));
    } else {
      const q = quantizeUint8(values);
      outSpecs.push({ ...spec, quantization: { dtype: 'uint8', scale: q.scale, min: q.min } });
      parts.push(q.data);
    }
  }
  if (offset !== data.byteLength)
    throw new FileFormatError(source, `holds ${data.byteLength} bytes of weights, the manifest describes ${offset}`);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return { specs: outSpecs, data: out };
}
