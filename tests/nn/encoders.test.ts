import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { Box } from '../../src/core/spaces.js';
import { encodeBox, impalaCnn, natureCnn, normalizeBox } from '../../src/nn/encoders.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function run(box: Box, build: (x: tf.SymbolicTensor) => tf.SymbolicTensor, data: number[] | Float32Array): Float32Array {
  const input = tf.input({ shape: [...box.shape] });
  const model = tf.model({ inputs: input, outputs: build(input) });
  const out = tf.tidy(
    () => (model.predict(tf.tensor(data, [data.length / box.size, ...box.shape])) as tf.Tensor).dataSync() as Float32Array,
  );
  model.dispose();
  return out;
}

describe('normalizeBox', () => {
  it('scales uint8 frames by 1/255 and depth by 1/far', () => {
    const rgb = new Box(0, 255, [1, 2, 1], 'uint8');
    expect(Array.from(run(rgb, (x) => normalizeBox(x, rgb), [0, 255]))).toEqual([0, 1]);
    const depth = new Box(0, 10, [1, 2, 1]);
    expect(Array.from(run(depth, (x) => normalizeBox(x, depth), [5, 10]))).toEqual([0.5, 1]);
  });

  it('maps per-element bounds of a vector to [0, 1] and passes infinite bounds through', () => {
    // pointgoal-like: [distance in [0, ∞) m, angle in [−π, π] rad, x in [−2, 2]].
    const box = new Box([0, -Math.PI, -2], [Infinity, Math.PI, 2], [3]);
    const out = run(box, (x) => normalizeBox(x, box), [3.5, 0, 1]);
    // distance unchanged; angle 0 → (0 + π) / 2π = 0.5; x 1 → (1 + 2) / 4 = 0.75.
    expect(out[0]).toBeCloseTo(3.5, 6);
    expect(out[1]).toBeCloseTo(0.5, 6);
    expect(out[2]).toBeCloseTo(0.75, 6);
  });
});

describe('CNN encoders', () => {
  it('nature CNN maps 36×36 images to 256 features and refuses smaller ones', () => {
    const box = new Box(0, 255, [36, 36, 2], 'uint8');
    const out = run(box, (x) => natureCnn(x, new Rng(1)), new Float32Array(2 * 36 * 36 * 2).fill(128));
    expect(out.length).toBe(2 * 256);
    expect(() => natureCnn(tf.input({ shape: [20, 20, 1] }), new Rng(1))).toThrow(/at least 36/);
  });

  it('IMPALA CNN maps 16×16 images to 256 features with residual blocks', () => {
    const box = new Box(0, 1, [16, 16, 3]);
    const input = tf.input({ shape: [16, 16, 3] });
    const model = tf.model({ inputs: input, outputs: impalaCnn(input, new Rng(2)) });
    expect(model.outputs[0]!.shape).toEqual([null, 256]);
    // 3 stacks × (1 conv + 2 blocks × 2 convs) = 15 convolutions.
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2D').length).toBe(15);
    expect(run(box, (x) => impalaCnn(x, new Rng(2)), new Float32Array(16 * 16 * 3).fill(0.5)).length).toBe(256);
    model.dispose();
  });

  it('encodeBox picks a CNN for images and an MLP for vectors, deterministically in the seed', () => {
    const img = new Box(0, 255, [8, 8, 1], 'uint8');
    const a = run(
      img,
      (x) => encodeBox(x, img, { cnn: 'auto', mlpHidden: [64], activation: 'tanh', vectorNorm: 'raw' }, new Rng(5)),
      new Float32Array(64).fill(200),
    );
    const b = run(
      img,
      (x) => encodeBox(x, img, { cnn: 'auto', mlpHidden: [64], activation: 'tanh', vectorNorm: 'raw' }, new Rng(5)),
      new Float32Array(64).fill(200),
    );
    expect(a.length).toBe(128);
    expect(a).toEqual(b);
    const vec = new Box(-1, 1, [4]);
    expect(
      run(
        vec,
        (x) => encodeBox(x, vec, { cnn: 'auto', mlpHidden: [32, 16], activation: 'tanh', vectorNorm: 'raw' }, new Rng(5)),
        [0.1, 0.2, 0.3, 0.4],
      ).length,
    ).toBe(16);
  });

  it("scales float vectors only with vectorNorm 'bounds' (raw by default in the policy)", () => {
    const vec = new Box(-1, 1, [2]);
    const opts = { cnn: 'auto' as const, mlpHidden: [8], activation: 'tanh' as const };
    // Bounds map x to (x + 1) / 2, so bounds(x) must equal raw((x + 1) / 2) for the same weights.
    const scaled = run(vec, (x) => encodeBox(x, vec, { ...opts, vectorNorm: 'bounds' }, new Rng(4)), [0.5, -0.5]);
    const raw = run(vec, (x) => encodeBox(x, vec, { ...opts, vectorNorm: 'raw' }, new Rng(4)), [0.75, 0.25]);
    for (let i = 0; i < 8; i++) expect(scaled[i]).toBeCloseTo(raw[i]!, 6);
    const rawSame = run(vec, (x) => encodeBox(x, vec, { ...opts, vectorNorm: 'raw' }, new Rng(4)), [0.5, -0.5]);
    expect(rawSame[0]).not.toBeCloseTo(scaled[0]!, 3);
  });
});
