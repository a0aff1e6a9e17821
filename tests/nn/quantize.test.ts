/**
 * Weight quantisation (`src/nn/quantize.ts`), decoded by tfjs's own `tf.io.decodeWeights` — the
 * decoder every `tf.loadLayersModel` uses — so that the bounds hold for what a loader really gets.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { initBackend } from '../../src/nn/backend.js';
import { FLOAT16_MAX, quantizeFloat16, quantizeUint8, quantizeWeightData } from '../../src/nn/quantize.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Values like a layer's weights: normal around 0 at `std`, with a few outliers, float32. */
function weights(n: number, std: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std * (i % 97 === 0 ? 8 : 1);
  return out;
}

/** tfjs's dequantised float32 values of one weight. */
function decode(spec: tf.io.WeightsManifestEntry, bytes: Uint8Array): Float32Array {
  const tensors = tf.io.decodeWeights(bytes.slice().buffer, [spec]);
  const values = tensors[spec.name]!.dataSync() as Float32Array;
  tf.dispose(tensors);
  return values;
}

/** Half an ulp of a float32 `x`: the rounding of the decoder's float32 result. */
function halfUlp(x: number): number {
  return Math.abs(x) * 2 ** -24 + 2 ** -150;
}

describe('quantizeUint8', () => {
  it.each([
    [1e-3, 1],
    [0.05, 2],
    [3, 3],
  ])('round trip through tfjs: error ≤ scale / 2 (std %f)', (std, seed) => {
    const values = weights(4096, std, seed);
    const q = quantizeUint8(values);
    // scale is (max − min) / 255, and min the smallest value.
    const max = values.reduce((a, b) => Math.max(a, b));
    const min = values.reduce((a, b) => Math.min(a, b));
    expect(q.min).toBe(min);
    expect(q.scale).toBeCloseTo((max - min) / 255, 12);
    const decoded = decode({ name: 'w', shape: [values.length], dtype: 'float32', quantization: { dtype: 'uint8', ...q } }, q.data);
    let worst = 0;
    for (let i = 0; i < values.length; i++) {
      const error = Math.abs(decoded[i]! - values[i]!);
      expect(error).toBeLessThanOrEqual(q.scale / 2 + halfUlp(decoded[i]!));
      worst = Math.max(worst, error);
    }
    // The bound is tight, not vacuous: some value sits near the middle between two levels.
    expect(worst).toBeGreaterThan(q.scale / 4);
    // The extremes decode (almost) exactly: q = 0 and q = 255.
    expect(q.data.includes(0) && q.data.includes(255)).toBe(true);
  });

  it('a constant tensor: scale 0, every value decodes exactly', () => {
    const values = new Float32Array(10).fill(-0.25);
    const q = quantizeUint8(values);
    expect(q.scale).toBe(0);
    const decoded = decode({ name: 'c', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8', ...q } }, q.data);
    expect(Array.from(decoded)).toEqual(Array.from(values));
  });
});

describe('quantizeFloat16', () => {
  it('round trip through tfjs: relative error ≤ 2⁻¹¹ in the normal range, absolute ≤ 2⁻²⁵ below it', () => {
    const values = new Float32Array([...weights(4096, 0.05, 4), ...weights(512, 1e-6, 5), 65504, -65504, 1, 0, -0, 2 ** -14, 2 ** -24]);
    const bytes = quantizeFloat16(values);
    expect(bytes.byteLength).toBe(values.length * 2);
    const decoded = decode({ name: 'w', shape: [values.length], dtype: 'float32', quantization: { dtype: 'float16' } }, bytes);
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      const bound = Math.abs(x) >= 2 ** -14 ? Math.abs(x) * 2 ** -11 : 2 ** -25;
      expect(Math.abs(decoded[i]! - x)).toBeLessThanOrEqual(bound);
    }
    // Values float16 holds exactly come back exactly.
    expect(Array.from(decoded.slice(-7))).toEqual([65504, -65504, 1, 0, -0, 2 ** -14, 2 ** -24]);
  });

  it('rounds to the nearest half-precision float, ties to even', () => {
    // 1 + 2⁻¹¹ lies halfway between 1 and 1 + 2⁻¹⁰: the even one is 1. 1 + 3·2⁻¹¹: the even one is 1 + 2⁻⁹.
    const bytes = quantizeFloat16(new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20]));
    const decoded = decode({ name: 'w', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } }, bytes);
    expect(Array.from(decoded)).toEqual([1, 1 + 2 ** -9, 1 + 2 ** -10]);
  });
});

describe('quantizeWeightData', () => {
  const specs: tf.io.WeightsManifestEntry[] = [
    { name: 'kernel', shape: [3, 5], dtype: 'float32' },
    { name: 'steps', shape: [3], dtype: 'int32' },
    { name: 'bias', shape: [5], dtype: 'float32' },
  ];
  const kernel = weights(15, 0.3, 6);
  const steps = new Int32Array([7, -70000, 2 ** 30]);
  const bias = weights(5, 0.01, 7);
  const data = new Uint8Array([...new Uint8Array(kernel.buffer), ...new Uint8Array(steps.buffer), ...new Uint8Array(bias.buffer)]);

  it.each([
    ['uint8', 15 + 12 + 5],
    ['float16', 30 + 12 + 10],
  ] as const)('%s: float32 weights quantised, int32 weights copied byte for byte', (dtype, bytes) => {
    const out = quantizeWeightData({ specs, data }, dtype, 'weights.bin');
    expect(out.data.byteLength).toBe(bytes);
    expect(out.specs.map((s) => s.quantization?.dtype)).toEqual([dtype, undefined, dtype]);
    expect(out.specs.map((s) => s.dtype)).toEqual(['float32', 'int32', 'float32']);
    const decoded = tf.io.decodeWeights(out.data.slice().buffer, out.specs);
    expect(Array.from(decoded.steps!.dataSync())).toEqual(Array.from(steps));
    const scale = out.specs[0]!.quantization?.scale ?? 0;
    const tolerance = dtype === 'uint8' ? scale / 2 + 1e-7 : 0.3 * 8 * 2 ** -11;
    const k = decoded.kernel!.dataSync();
    for (let i = 0; i < 15; i++) expect(Math.abs(k[i]! - kernel[i]!)).toBeLessThanOrEqual(tolerance);
    tf.dispose(decoded);
  });

  it('refuses NaN and infinite weights, float16 overflow and quantised input, naming the source', () => {
    const bad = (values: number[], dtype: 'uint8' | 'float16') => () =>
      quantizeWeightData(
        { specs: [{ name: 'w', shape: [values.length], dtype: 'float32' }], data: new Uint8Array(new Float32Array(values).buffer) },
        dtype,
        'src/weights.bin',
      );
    expect(bad([1, Number.NaN], 'uint8')).toThrow(FileFormatError);
    expect(bad([1, Number.NaN], 'uint8')).toThrow('src/weights.bin: weight "w" holds NaN');
    expect(bad([Number.POSITIVE_INFINITY], 'float16')).toThrow('holds Infinity');
    expect(bad([FLOAT16_MAX * 1.01], 'float16')).toThrow("beyond float16's range");
    // uint8 has no range limit: a large value only widens the scale.
    expect(bad([FLOAT16_MAX * 1.01, 0], 'uint8')).not.toThrow();
    expect(() =>
      quantizeWeightData(
        { specs: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'float16' } }], data: new Uint8Array(2) },
        'uint8',
        'src/weights.bin',
      ),
    ).toThrow('src/weights.bin: weight "w" is already quantised (float16)');
  });
});
