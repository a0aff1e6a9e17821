import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PPO } from '../../../agents/ppo.js';
import { initBackend } from '../../../src/nn/backend.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import type { Env, ResetResult, StepResult } from '../../../src/core/Env.js';
import { CueBandit, FixedChain } from '../fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

/** Discrete observations: a 3-state ring, reward 1 for action 1. */
class Ring implements Env<number, number> {
  readonly observationSpace = new Discrete(3);
  readonly actionSpace = new Discrete(2);
  private s = 0;
  reset(): ResetResult<number> {
    this.s = 0;
    return { obs: this.s, info: {} };
  }
  step(action: number): StepResult<number> {
    this.s = (this.s + 1) % 3;
    return { obs: this.s, reward: action, terminated: false, truncated: this.s === 0, info: {} };
  }
  close(): void {}
}

describe('OnPolicyAgent rollouts', () => {
  it('bootstraps a truncation from V(final obs), read from info.finalObs', async () => {
    // FixedChain(3): truncates after 3 steps; the final observation (index clamped to 2) equals
    // s_2, so V(final obs) must equal V(s_2) as stored in the buffer.
    const ppo = new PPO(() => new FixedChain(3), { numEnvs: 1, numSteps: 6, gamma: 0.9, gaeLambda: 0.95 });
    await ppo.learn(6);
    const b = ppo.buffer;
    expect(Array.from(b.truncated)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(Array.from(b.terminated)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(b.starts)).toEqual([1, 0, 0, 1, 0, 0]);
    for (const t of [2, 5]) {
      expect(b.finalValues[t]).toBe(b.values[t]);
      expect(b.finalValues[t]).not.toBe(0);
      // R_t = r_t + γ·V(final obs), no λ-trace from the next episode.
      expect(b.returns[t]).toBeCloseTo(b.rewards[t]! + 0.9 * b.finalValues[t]!, 5);
    }
    await ppo.close();
  });

  it('does not bootstrap a termination: one-step episodes have return = reward', async () => {
    const ppo = new PPO((i) => new CueBandit(2, i), { numEnvs: 2, numSteps: 4 });
    await ppo.learn(8);
    const b = ppo.buffer;
    expect(Array.from(b.terminated)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(b.returns)).toEqual(Array.from(b.rewards));
    await ppo.close();
  });

  it('trains on Discrete observations by one-hot encoding them', async () => {
    const ppo = new PPO(() => new Ring(), { numEnvs: 1, numSteps: 6 });
    expect(ppo.envs.singleObservationSpace).toBeInstanceOf(Box);
    await ppo.learn(6);
    expect(Array.from((ppo.buffer.obs as Float32Array).subarray(0, 6))).toEqual([1, 0, 0, 0, 1, 0]);
    await ppo.close();
  });

  it('is deterministic in the seed', async () => {
    const run = async (seed: number): Promise<Float32Array[]> => {
      const ppo = new PPO((i) => new CueBandit(3, i), { numEnvs: 2, numSteps: 8, seed });
      await ppo.learn(32);
      const w = ppo.network.getWeights();
      await ppo.close();
      return w;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it('reports the memory with every update: RSS and heap in use in MB, and the live tensors', async () => {
    const ppo = new PPO((i) => new CueBandit(2, i), { numEnvs: 2, numSteps: 4 });
    const seen: Array<{ record: Record<string, unknown>; rss: number; heapUsed: number; numTensors: number }> = [];
    await ppo.learn(16, {
      callbacks: [
        {
          onUpdate: (record) => {
            const now = process.memoryUsage();
            seen.push({ record, rss: now.rss / 2 ** 20, heapUsed: now.heapUsed / 2 ** 20, numTensors: tf.memory().numTensors });
          },
        },
      ],
    });
    await ppo.close();
    expect(seen).toHaveLength(2);
    for (const { record, rss, heapUsed, numTensors } of seen) {
      // Within 50 MB of the figures read just after: MB, not bytes or kB.
      expect(record.rss).toBeCloseTo(rss, -2);
      expect(record.heapUsed).toBeCloseTo(heapUsed, -2);
      expect(record.numTensors).toBe(numTensors);
      expect(record.numTensors).toBeGreaterThan(0);
    }
  });

  it('rejects a bad step budget', async () => {
    const ppo = new PPO((i) => new CueBandit(2, i), { numEnvs: 1, numSteps: 2 });
    await expect(ppo.learn(0)).rejects.toThrow(/totalSteps/);
    await ppo.close();
  });
});
