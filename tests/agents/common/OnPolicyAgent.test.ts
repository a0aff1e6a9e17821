import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalRollouts } from '../../../agents/common/OnPolicyAgent.js';
import { PPO } from '../../../agents/ppo.js';
import { SyncVectorEnv } from '../../../envs/vector/SyncVectorEnv.js';
import { initBackend } from '../../../src/nn/backend.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import type { Env, ResetResult, StepResult } from '../../../src/core/Env.js';
import { Rng } from '../../../src/core/Rng.js';
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

/** Gaussian 3-vector observations from a seeded stream; every episode truncates after `length` steps. */
class Drift implements Env<Float32Array, number> {
  readonly observationSpace = new Box(-10, 10, [3]);
  readonly actionSpace = new Discrete(2);
  private readonly rng: Rng;
  private t = 0;
  constructor(
    private readonly length: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }
  reset(): ResetResult<Float32Array> {
    this.t = 0;
    return { obs: this.draw(), info: {} };
  }
  step(action: number): StepResult<Float32Array> {
    this.t++;
    return { obs: this.draw(), reward: action, terminated: false, truncated: this.t === this.length, info: {} };
  }
  close(): void {}
  private draw(): Float32Array {
    return Float32Array.from({ length: 3 }, () => this.rng.normal());
  }
}

/** The agent's own envs, declared off-policy: its targets go through V-trace. */
class OffPolicyLocal extends LocalRollouts {
  override readonly offPolicy = true;
}

type Targets = { collectRollout(): Promise<unknown>; computeTargets(): void };

describe('V-trace bootstraps', () => {
  // Episodes of 3, 4, 5 and 7 steps: several truncations per sequence, mid-sequence and on the last
  // step; T = 260 makes two recompute passes (⌊1024 / 261⌋ = 3 envs, then 1).
  const lengths = [3, 4, 5, 7];
  const T = 260;

  /**
   * The bootstraps under the network's current weights, stepped one observation at a time as the
   * collector does: V(final obs of step t) from the state after o_t, V(s_T) from the state after
   * o_{T−1}, reset where s_T begins an episode.
   */
  function stepwise(ppo: PPO): { last: number[]; finals: Map<number, number> } {
    const b = ppo.buffer;
    const net = ppo.network;
    const N = b.numEnvs;
    const H = net.core?.size ?? 0;
    const finals = new Map<number, number>();
    const finalIndex = new Map<number, number>();
    for (let k = 0; k < b.finals.count; k++) finalIndex.set(b.finals.rows[k]!, k);
    const last: number[] = [];
    for (let n = 0; n < N; n++) {
      let state = b.initialState.map((h) => tf.tensor2d(h.slice(n * H, (n + 1) * H), [1, H]));
      const at = (batch: typeof b.obs, row: number): tf.Tensor[] => net.obsTensors(batch, row, 1);
      for (let t = 0; t < T; t++) {
        const i = t * N + n;
        const next = tf.tidy(() => net.step(at(b.obs, i), state, tf.tensor1d([b.starts[i]!])).state);
        tf.dispose(state);
        state = next;
        const k = finalIndex.get(i);
        if (k !== undefined)
          finals.set(
            i,
            tf.tidy(() => net.step(at(b.finals.obs, k), state).value.dataSync()[0]!),
          );
      }
      last.push(tf.tidy(() => net.step(at(b.lastObs, n), state, tf.tensor1d([b.lastStarts[n]!])).value.dataSync()[0]!));
      tf.dispose(state);
    }
    return { last, finals };
  }

  it.each([
    ['feed-forward', {}],
    ['GRU', { core: 'gru' as const, coreSize: 8 }],
    ['LSTM', { core: 'lstm' as const, coreSize: 8 }],
  ])('%s: are the behaviour’s at lag 0 and the current network’s after the weights change', async (_, network) => {
    const envs = new SyncVectorEnv((i) => new Drift(lengths[i]!, 100 + i), lengths.length);
    const ppo = new PPO(new OffPolicyLocal(envs), { numEnvs: lengths.length, numSteps: T, seed: 3, network });
    const agent = ppo as unknown as Targets;
    ppo.update = 1;
    await agent.collectRollout();
    const b = ppo.buffer;
    const N = b.numEnvs;
    const truncatedRows: number[] = [];
    b.truncated.forEach((x, i) => {
      if (x) truncatedRows.push(i);
    });
    expect(b.finals.count).toBe(truncatedRows.length);
    expect(Array.from(b.finals.rows.subarray(0, b.finals.count)).sort((x, y) => x - y)).toEqual(truncatedRows);
    // A truncation in the middle of a sequence, and one on the last step (s_T then begins an episode).
    expect(b.truncated[2 * N]).toBe(1);
    expect(b.truncated[(T - 1) * N + 1]).toBe(1);
    expect(Array.from(b.lastStarts)).toEqual([0, 1, 1, 0]);
    const behaviour = { last: Float32Array.from(b.lastValues), finals: Float32Array.from(b.finalValues) };

    // Lag 0: the recomputed bootstraps are the collector's.
    const before = tf.memory().numTensors;
    agent.computeTargets();
    for (let n = 0; n < N; n++) expect(b.lastValues[n]).toBeCloseTo(behaviour.last[n]!, 5);
    for (const i of truncatedRows) expect(b.finalValues[i]).toBeCloseTo(behaviour.finals[i]!, 5);

    // Lag > 0: other weights, as after updates the rollout did not see.
    const rng = new Rng(7);
    ppo.network.setWeights(ppo.network.getWeights().map((w) => w.map((x) => x + 0.3 * rng.normal())));
    const want = stepwise(ppo);
    agent.computeTargets();
    expect(tf.memory().numTensors).toBe(before);
    for (let n = 0; n < N; n++) {
      expect(b.lastValues[n]).toBeCloseTo(want.last[n]!, 4);
      expect(Math.abs(b.lastValues[n]! - behaviour.last[n]!)).toBeGreaterThan(1e-3);
    }
    for (const i of truncatedRows) {
      expect(b.finalValues[i]).toBeCloseTo(want.finals.get(i)!, 4);
      expect(Math.abs(b.finalValues[i]! - behaviour.finals[i]!)).toBeGreaterThan(1e-4);
    }
    await ppo.close();
  });
});
