import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/Rng.js';
import { SyncVectorEnv } from '../../../envs/vector/SyncVectorEnv.js';
import { WorkerVectorEnv } from '../../../envs/vector/WorkerVectorEnv.js';
import type { VectorEnv, VectorStepResult } from '../../../src/core/Env.js';
import { make } from '../../../envs/registry.js';

/** Short PointNav episodes (10 steps) so that 40 steps autoreset every env several times. */
const OPTIONS = { sensors: ['pointgoal', 'gps', 'compass', 'collision'], maxEpisodeSteps: 10 };

function flatten(r: VectorStepResult): unknown {
  const obs = r.obs as Record<string, Float32Array>;
  return {
    obs: Object.fromEntries(Object.entries(obs).map(([k, v]) => [k, Array.from(v)])),
    rewards: Array.from(r.rewards),
    terminated: Array.from(r.terminated),
    truncated: Array.from(r.truncated),
    infos: r.infos.map((info) => ({
      ...info,
      finalObs: info.finalObs
        ? Object.fromEntries(Object.entries(info.finalObs as Record<string, Float32Array>).map(([k, v]) => [k, Array.from(v)]))
        : undefined,
    })),
  };
}

async function rollout(venv: VectorEnv): Promise<unknown[]> {
  const rng = new Rng(5);
  const out: unknown[] = [(await venv.reset({ seed: 21 })).infos];
  const actions = new Int32Array(venv.numEnvs);
  for (let t = 0; t < 40; t++) {
    // No STOP: episodes end by truncation, the autoreset path under test.
    for (let i = 0; i < actions.length; i++) actions[i] = 1 + rng.int(3);
    out.push(flatten(await venv.step(actions)));
  }
  return out;
}

describe('vector envs over a registered task', () => {
  it('WorkerVectorEnv reproduces SyncVectorEnv bit for bit on PointNav-Easy-v0, autoresets included', async () => {
    const sync = new SyncVectorEnv(() => make('PointNav-Easy-v0', OPTIONS), 3);
    const workers = await WorkerVectorEnv.create('PointNav-Easy-v0', { numEnvs: 3, numWorkers: 2, options: OPTIONS });
    try {
      const a = await rollout(sync);
      const b = await rollout(workers);
      expect(b).toEqual(a);
      const ends = (a.slice(1) as Array<{ truncated: number[] }>).reduce((n, s) => n + s.truncated.reduce((x, y) => x + y, 0), 0);
      expect(ends).toBe(12); // 3 envs × 4 episodes of 10 steps in 40 steps
    } finally {
      await workers.close();
      await sync.close();
    }
  });

  it('a bad action inside a worker rejects with the env’s SpaceError message', async () => {
    const venv = await WorkerVectorEnv.create('PointNav-Easy-v0', { numEnvs: 2, numWorkers: 1, options: OPTIONS });
    try {
      await venv.reset({ seed: 0 });
      await expect(venv.step(new Int32Array([1, 9]))).rejects.toThrow(
        /PointNav-Easy-v0: action 9 is not in the action space Discrete\(4\)/,
      );
    } finally {
      await venv.close();
    }
  });
});
