import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { A2C, DEFAULT_A2C } from '../../agents/a2c.js';
import { CueBandit, TargetReach } from './fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

describe('A2C', () => {
  it('learns a 3-way contextual bandit far beyond random (1/3)', async () => {
    const a2c = new A2C((i) => new CueBandit(3, i), { numEnvs: 4, learningRate: 3e-3 });
    const last = await a2c.learn(1000);
    expect(last!.episodeReturn).toBeGreaterThan(0.9);
    await a2c.close();
  });

  it('learns a Box-action task', async () => {
    const a2c = new A2C((i) => new TargetReach(i), { numEnvs: 8, learningRate: 3e-3, entCoef: 0 });
    const last = await a2c.learn(4000);
    expect(last!.episodeReturn).toBeGreaterThan(-0.5);
    await a2c.close();
  });

  it('keeps tf.memory().numTensors flat across 1,000 updates', async () => {
    const a2c = new A2C((i) => new CueBandit(2, i), { numEnvs: 2, numSteps: 2 });
    await a2c.learn(4 * 5);
    const before = tf.memory().numTensors;
    await a2c.learn(4 * 1005);
    expect(a2c.update).toBe(1005);
    expect(tf.memory().numTensors).toBe(before);
    await a2c.close();
  });

  it('has the n-step, RMSprop defaults of SB3', () => {
    expect(DEFAULT_A2C).toMatchObject({ numSteps: 5, rmspropEps: 1e-5, rmspropAlpha: 0.99, maxGradNorm: 0.5, gaeLambda: 1 });
  });
});
