import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { PPO } from '../../agents/ppo.js';
import { CueMemory } from './fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

describe('recurrent PPO', () => {
  it('solves a cue-memory task that a feed-forward policy cannot beat (0.5)', async () => {
    const config = { numEnvs: 8, numSteps: 16, learningRate: 3e-3, numMinibatches: 2, updateEpochs: 2, seed: 1 };
    const gru = new PPO((i) => new CueMemory(1, i), { ...config, network: { core: 'gru', coreSize: 16 } });
    const lastGru = await gru.learn(2048);
    const ff = new PPO((i) => new CueMemory(1, i), config);
    const lastFf = await ff.learn(2048);
    expect(lastGru!.success).toBeGreaterThan(0.9);
    expect(lastFf!.success).toBeLessThan(0.7);
    await gru.close();
    await ff.close();
  });

  it('stores episode starts where the state must be reset and keeps tensors flat (LSTM)', async () => {
    const ppo = new PPO((i) => new CueMemory(2, i), {
      numEnvs: 4,
      numSteps: 6,
      numMinibatches: 2,
      updateEpochs: 1,
      network: { core: 'lstm', coreSize: 8 },
    });
    await ppo.learn(24);
    // Episodes last 3 steps: step t starts an episode where t ≡ 0 (mod 3) at the start of the run.
    const starts = Array.from(ppo.buffer.starts);
    expect(starts).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const before = tf.memory().numTensors;
    await ppo.learn(24 * 15);
    expect(tf.memory().numTensors).toBe(before);
    expect(ppo.buffer.initialState.length).toBe(2);
    await ppo.close();
  });
});
