import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { DEFAULT_PPO, PPO } from '../../agents/ppo.js';
import { SyncVectorEnv } from '../../envs/vector/SyncVectorEnv.js';
import { CueBandit, ImageCue, TargetReach } from './fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

describe('PPO', () => {
  it('learns a 3-way contextual bandit far beyond random (1/3) within 1k steps', async () => {
    const ppo = new PPO((i) => new CueBandit(3, i), { numEnvs: 4, numSteps: 32, learningRate: 3e-3, updateEpochs: 2, numMinibatches: 2 });
    const last = await ppo.learn(1024);
    // Mean of the last 100 episodes, most from early in learning.
    expect(last!.episodeReturn).toBeGreaterThan(0.7);
    await ppo.close();
  });

  it('has probability ratio exactly 1 on the first minibatch of the first epoch', async () => {
    const ppo = new PPO((i) => new CueBandit(3, i), { numEnvs: 2, numSteps: 16, learningRate: 1e-2 });
    const records: Array<Record<string, unknown>> = [];
    await ppo.learn(96, { callbacks: [{ onUpdate: (r) => void records.push(r) }] });
    expect(records.length).toBe(3);
    for (const r of records) expect(r.firstRatioError).toBe(0);
    // Later minibatches do move the policy (so the check above can fail).
    expect(records.some((r) => (r.clipFrac as number) > 0 || (r.approxKl as number) > 0)).toBe(true);
    await ppo.close();
  });

  it('learns a Box-action task with a diagonal Gaussian (state-independent log-std)', async () => {
    const ppo = new PPO((i) => new TargetReach(i), {
      numEnvs: 8,
      numSteps: 32,
      learningRate: 1e-2,
      entCoef: 0,
      numMinibatches: 2,
      updateEpochs: 2,
      annealLr: false,
    });
    const first = await ppo.learn(256);
    const last = await ppo.learn(3072);
    // A fresh policy scores ≈ −1.33; learning moves the mean onto the target and shrinks σ.
    expect(first!.episodeReturn).toBeLessThan(-0.8);
    expect(last!.episodeReturn).toBeGreaterThan(-0.6);
    expect(ppo.network.logStd!.dataSync()[0]).toBeLessThan(0);
    await ppo.close();
  });

  it('learns from a Dict of a uint8 image and a vector (CNN + MLP + fusion)', async () => {
    const envs = new SyncVectorEnv((i) => new ImageCue(i), 4);
    const ppo = new PPO(envs, { numSteps: 16, learningRate: 1e-3, numMinibatches: 2, updateEpochs: 2, network: { fusionHidden: [32] } });
    const last = await ppo.learn(1024);
    expect(last!.episodeReturn).toBeGreaterThan(0.85);
    await ppo.close();
  });

  it('stops the epochs early when approx-KL exceeds targetKl', async () => {
    const ppo = new PPO((i) => new CueBandit(3, i), { numEnvs: 2, numSteps: 16, learningRate: 0.05, updateEpochs: 8, targetKl: 1e-6 });
    const last = await ppo.learn(32);
    expect(last!.epochs).toBeLessThan(8);
    await ppo.close();
  });

  it('anneals the learning rate linearly from learningRate to finalLearningRate', async () => {
    const config = { numEnvs: 2, numSteps: 4, numMinibatches: 1, updateEpochs: 1, learningRate: 1e-2, finalLearningRate: 2e-3 };
    const ppo = new PPO((i) => new CueBandit(2, i), config);
    const rates: number[] = [];
    await ppo.learn(8 * 4, { callbacks: [{ onUpdate: (record) => void rates.push(Number(record.learningRate)) }] });
    // Update k of 4 trains at final + (1 − (k − 1)/4)·(initial − final).
    expect(rates.map((r) => r.toFixed(6))).toEqual(['0.010000', '0.008000', '0.006000', '0.004000']);
    await ppo.close();
  });

  it('keeps tf.memory().numTensors flat across updates', async () => {
    const ppo = new PPO((i) => new CueBandit(2, i), { numEnvs: 2, numSteps: 4, numMinibatches: 2, updateEpochs: 1 });
    await ppo.learn(8 * 5);
    const before = tf.memory().numTensors;
    await ppo.learn(8 * 105);
    expect(tf.memory().numTensors).toBe(before);
    await ppo.close();
  });

  it('has CleanRL defaults', () => {
    expect(DEFAULT_PPO).toMatchObject({
      gamma: 0.99,
      gaeLambda: 0.95,
      clipCoef: 0.2,
      maxGradNorm: 0.5,
      numMinibatches: 4,
      updateEpochs: 4,
      learningRate: 2.5e-4,
      annealLr: true,
    });
  });
});
