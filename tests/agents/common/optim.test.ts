import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, clipByGlobalNorm, RMSprop } from '../../../agents/common/optim.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('optimisers (PyTorch update rules)', () => {
  it('Adam: one step by hand', () => {
    const theta = tf.variable(tf.scalar(1));
    const adam = new Adam([theta], 0.1, 0.9, 0.999, 1e-5);
    const g = tf.scalar(0.5);
    adam.apply([g]);
    // m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.5, v̂ = 0.25;
    // θ = 1 − 0.1·0.5 / (√0.25 + 1e-5) = 1 − 0.05 / 0.50001 = 0.90000200…
    expect(theta.dataSync()[0]).toBeCloseTo(1 - 0.05 / 0.50001, 6);
    tf.dispose([theta, g]);
    adam.dispose();
  });

  it('RMSprop: one step by hand (ε outside the square root)', () => {
    const theta = tf.variable(tf.scalar(1));
    const rms = new RMSprop([theta], 0.1, 0.99, 1e-5);
    const g = tf.scalar(0.5);
    rms.apply([g]);
    // v = 0.01·0.25 = 0.0025; θ = 1 − 0.1·0.5 / (0.05 + 1e-5) = 1 − 0.9998000…
    expect(theta.dataSync()[0]).toBeCloseTo(1 - 0.05 / 0.05001, 5);
    tf.dispose([theta, g]);
    rms.dispose();
  });

  it('a restored optimiser makes the same next step', () => {
    const run = (steps: number, restoreAt: number | null): number => {
      const theta = tf.variable(tf.tensor1d([1, -2]));
      let adam = new Adam([theta], 0.05);
      for (let s = 0; s < steps; s++) {
        if (s === restoreAt) {
          const state = adam.getState();
          adam.dispose();
          adam = new Adam([theta], 0.05);
          adam.setState(state);
        }
        const g = tf.tensor1d([0.3 * (s + 1), -0.1]);
        adam.apply([g]);
        g.dispose();
      }
      const out = theta.dataSync()[0]!;
      theta.dispose();
      adam.dispose();
      return out;
    };
    expect(run(5, 3)).toBe(run(5, null));
  });

  it('rejects mismatched gradients and state', () => {
    const theta = tf.variable(tf.scalar(1));
    const adam = new Adam([theta], 0.1);
    expect(() => adam.apply([])).toThrow(/1 variables but 0 gradients/);
    expect(() => adam.setState({ steps: 1, slots: [new Float32Array(1)] })).toThrow(/1 slots, expected 2/);
    theta.dispose();
    adam.dispose();
  });

  it('clipByGlobalNorm scales all gradients together', () => {
    const grads = [tf.tensor1d([3]), tf.tensor1d([4])];
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    // ‖(3, 4)‖ = 5 → scaled by 1 / 5.
    expect(norm).toBeCloseTo(5, 6);
    expect(clipped[0]!.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(clipped[1]!.dataSync()[0]).toBeCloseTo(0.8, 5);
    const loose = clipByGlobalNorm(grads, 10);
    expect(loose.grads[0]!.dataSync()[0]).toBe(3);
    tf.dispose([...grads, ...clipped, ...loose.grads]);
  });
});
