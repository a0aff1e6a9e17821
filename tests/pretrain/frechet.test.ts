import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { initBackend } from '../../src/nn/backend.js';
import { FrechetEncoder, fitGaussian, frechetDistance, sqrtPsd, symmetricEigen } from '../../src/pretrain/frechet.js';

beforeAll(async () => {
  await initBackend();
});

function randomSymmetric(n: number, rng: Rng, psd: boolean): Float64Array {
  const b = new Float64Array(n * n).map(() => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (psd) for (let k = 0; k < n; k++) a[i * n + j]! += b[i * n + k]! * b[j * n + k]!;
      else a[i * n + j] = b[i * n + j]! + b[j * n + i]!;
    }
  }
  return a;
}

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j]! += a[i * n + k]! * b[k * n + j]!;
  return out;
}

/** Smooth random images (gradients + a coloured block), values in [0, 1]. */
function images(count: number, rng: Rng): Float32Array {
  const size = 16;
  const out = new Float32Array(count * size * size * 3);
  for (let n = 0; n < count; n++) {
    const c = [rng.random(), rng.random(), rng.random()];
    const bx = rng.int(10);
    const by = rng.int(10);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const block = x >= bx && x < bx + 6 && y >= by && y < by + 6;
        for (let ch = 0; ch < 3; ch++) out[((n * size + y) * size + x) * 3 + ch] = block ? c[ch]! : (y / size) * 0.5;
      }
    }
  }
  return out;
}

describe('symmetricEigen / sqrtPsd', () => {
  it('finds the eigenvalues of [[2,1],[1,2]] (1 and 3)', () => {
    const { values } = symmetricEigen([2, 1, 1, 2], 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
  });

  it('reconstructs a random symmetric matrix as V diag(λ) Vᵀ with orthonormal V', () => {
    const n = 7;
    const a = randomSymmetric(n, new Rng(3), false);
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rebuilt = 0;
        let gram = 0;
        for (let k = 0; k < n; k++) {
          rebuilt += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
          gram += vectors[k * n + i]! * vectors[k * n + j]!;
        }
        expect(rebuilt).toBeCloseTo(a[i * n + j]!, 9);
        expect(gram).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
  });

  it('squares back: sqrtPsd(A)² = A', () => {
    const n = 6;
    const a = randomSymmetric(n, new Rng(4), true);
    const s = sqrtPsd(a, n);
    const back = matmul(s, s, n);
    for (let i = 0; i < n * n; i++) expect(back[i]).toBeCloseTo(a[i]!, 8);
  });
});

describe('frechetDistance', () => {
  it('matches the closed form in 1-D: N(0,1) vs N(1,4) → 1 + 1 + 4 − 2·2 = 2', () => {
    const p = { dim: 1, mean: new Float64Array([0]), cov: new Float64Array([1]) };
    const q = { dim: 1, mean: new Float64Array([1]), cov: new Float64Array([4]) };
    expect(frechetDistance(p, q)).toBeCloseTo(2, 12);
  });

  it('is 0 for one Gaussian and symmetric in its arguments', () => {
    const rng = new Rng(8);
    const a = fitGaussian(
      new Float32Array(200 * 5).map(() => rng.normal()),
      200,
      5,
    );
    const b = fitGaussian(
      new Float32Array(200 * 5).map(() => 2 * rng.normal() + 1),
      200,
      5,
    );
    expect(frechetDistance(a, a)).toBeCloseTo(0, 8);
    expect(frechetDistance(a, b)).toBeCloseTo(frechetDistance(b, a), 6);
    expect(frechetDistance(a, b)).toBeGreaterThan(5);
  });
});

describe('FrechetEncoder', () => {
  it('gives ≈0 for a set with itself, grows with added noise, is seeded, and leaks no tensors', () => {
    const rng = new Rng(11);
    const count = 96;
    const real = tf.tensor4d(images(count, rng), [count, 16, 16, 3]);
    const encoder = new FrechetEncoder([16, 16, 3], { seed: 5, channels: [8, 16, 16] });
    const before = tf.memory().numTensors;
    const noisy = (std: number): tf.Tensor4D =>
      tf.tidy(
        () =>
          tf.clipByValue(
            real.add(
              tf.tensor4d(
                new Float32Array(real.size).map(() => std * rng.normal()),
                real.shape,
              ),
            ),
            0,
            1,
          ) as tf.Tensor4D,
      );
    expect(encoder.distance(real, real)).toBeLessThan(1e-9);
    const distances = [0.05, 0.2, 0.5].map((std) => {
      const x = noisy(std);
      const d = encoder.distance(real, x);
      x.dispose();
      return d;
    });
    expect(distances[0]!).toBeGreaterThan(0);
    expect(distances[1]!).toBeGreaterThan(distances[0]!);
    expect(distances[2]!).toBeGreaterThan(distances[1]!);
    expect(tf.memory().numTensors).toBe(before);
    const again = new FrechetEncoder([16, 16, 3], { seed: 5, channels: [8, 16, 16] });
    expect(again.features(real.slice(0, 4) as tf.Tensor4D)).toEqual(encoder.features(real.slice(0, 4) as tf.Tensor4D));
    tf.dispose([real]);
    encoder.dispose();
    again.dispose();
  });
});
