import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { GAIN, initLayer, orthogonal } from '../../src/nn/init.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Max |(AᵀA or AAᵀ) − gain²·I| over the smaller side. */
function orthogonalityError(a: Float32Array, rows: number, cols: number, gain: number): number {
  const m = Math.min(rows, cols);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let dot = 0;
      if (rows >= cols) for (let r = 0; r < rows; r++) dot += a[r * cols + i]! * a[r * cols + j]!;
      else for (let c = 0; c < cols; c++) dot += a[i * cols + c]! * a[j * cols + c]!;
      worst = Math.max(worst, Math.abs(dot - (i === j ? gain * gain : 0)));
    }
  }
  return worst;
}

describe('orthogonal', () => {
  it('gives orthonormal columns (tall) or rows (wide) scaled by the gain', () => {
    const rng = new Rng(1);
    expect(orthogonalityError(orthogonal([20, 6], GAIN.hidden, rng), 20, 6, GAIN.hidden)).toBeLessThan(1e-5);
    expect(orthogonalityError(orthogonal([5, 12], GAIN.policy, rng), 5, 12, GAIN.policy)).toBeLessThan(1e-6);
    // Conv kernel [KH, KW, Cin, Cout] = [3, 3, 2, 8] flattens to 18 × 8.
    expect(orthogonalityError(orthogonal([3, 3, 2, 8], 1, rng), 18, 8, 1)).toBeLessThan(1e-5);
  });

  it('is a function of the seed', () => {
    expect(orthogonal([4, 3], 1, new Rng(7))).toEqual(orthogonal([4, 3], 1, new Rng(7)));
    expect(orthogonal([4, 3], 1, new Rng(7))).not.toEqual(orthogonal([4, 3], 1, new Rng(8)));
  });

  it('rejects vectors', () => {
    expect(() => orthogonal([4], 1, new Rng(1))).toThrow(/rank >= 2/);
  });

  it('initLayer sets kernels orthogonal and biases to zero', () => {
    const layer = tf.layers.dense({ units: 3, biasInitializer: 'ones' });
    layer.apply(tf.input({ shape: [5] }));
    initLayer(layer, 2, new Rng(3));
    const [kernel, bias] = layer.getWeights();
    expect(orthogonalityError(kernel!.dataSync() as Float32Array, 5, 3, 2)).toBeLessThan(1e-5);
    expect(Array.from(bias!.dataSync())).toEqual([0, 0, 0]);
  });
});
