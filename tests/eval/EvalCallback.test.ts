/**
 * `EvalCallback` and `evaluateAgent`: the current weights on fixed val episodes every N updates
 * and at the end, one `"type": "eval"` record each, sampled (seeded) or most likely actions, the
 * first episodes recorded. PointNav-Easy with the pointgoal sensor only: no camera, fast episodes.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPO } from '../../agents/ppo.js';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import { make } from '../../envs/registry.js';
import { type EvalRecord, EvalCallback, evaluateAgent } from '../../src/eval/EvalCallback.js';
import { initBackend } from '../../src/nn/backend.js';
import { Recording } from '../../src/runs/Recording.js';
import { CueBandit } from '../agents/fakeEnvs.js';

const ENV = 'PointNav-Easy-v0';
const OPTIONS = { sensors: ['pointgoal'] };
const root = mkdtempSync(path.join(tmpdir(), 'robonav-eval-callback-'));

beforeAll(async () => {
  await initBackend();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 8 transitions per update. */
const navPpo = (): PPO => new PPO(() => make(ENV, OPTIONS), { numEnvs: 1, numSteps: 8, numMinibatches: 1, updateEpochs: 1 });

describe('EvalCallback', () => {
  it('evaluates every N updates and at the end, logging one eval record each and keeping the last', async () => {
    const ppo = navPpo();
    const env = make(ENV, OPTIONS);
    const records: EvalRecord[] = [];
    const val = new EvalCallback(ppo, env, { envId: ENV, every: 2, episodes: 2, log: { write: (r) => records.push(r) } });
    await ppo.learn(24, { callbacks: [val] });
    // Updates 1, 2, 3: after 2, then at the end (3).
    expect(records.map((r) => r.step)).toEqual([16, 24]);
    for (const r of records) {
      expect(r).toMatchObject({ type: 'eval', split: 'val', episodes: 2, actions: 'sampled' });
      expect(r.success).toBeGreaterThanOrEqual(0);
      expect(r.success).toBeLessThanOrEqual(1);
    }
    expect(val.last?.step).toBe(24);
    expect(val.last?.summary.spl).toBe(records[1]!.spl);
    env.close();
    await ppo.close();
  });

  it('does not evaluate the last update twice, says "most likely" when deterministic, and records the first episodes', async () => {
    const ppo = navPpo();
    const env = make(ENV, OPTIONS);
    const records: EvalRecord[] = [];
    const dir = path.join(root, 'recordings');
    const val = new EvalCallback(ppo, env, {
      envId: ENV,
      every: 1,
      episodes: 2,
      deterministic: true,
      log: { write: (r) => records.push(r) },
      record: { dir, episodes: 1, source: 'runs/test' },
    });
    await ppo.learn(16, { callbacks: [val] });
    expect(records.map((r) => [r.step, r.actions])).toEqual([
      [8, 'most likely'],
      [16, 'most likely'],
    ]);
    expect(readdirSync(dir).sort()).toEqual(['eval-16.rec', 'eval-8.rec']);
    const recording = Recording.read(path.join(dir, 'eval-8.rec'));
    expect(recording.header).toMatchObject({ task: ENV, episodes: 1 });
    env.close();
    await ppo.close();
  });

  it('refuses an env that cannot draw episodes', async () => {
    const ppo = new PPO((i) => new CueBandit(2, i), { numEnvs: 1, numSteps: 4 });
    expect(() => new EvalCallback(ppo, new CueBandit(2), { envId: 'CueBandit' })).toThrow(/cannot draw episodes/);
    await ppo.close();
  });
});

describe('evaluateAgent', () => {
  it('gives the same figures for the same weights and seed (sampling is seeded), whatever ran before', async () => {
    const ppo = navPpo();
    await ppo.learn(8);
    const env = make(ENV, OPTIONS);
    const { episodes } = fixedEpisodes(ENV, env, { split: 'test', count: 3 });
    const first = await evaluateAgent(ppo, env, episodes, { seed: 5 });
    await evaluateAgent(ppo, env, episodes.slice(1), { seed: 9 });
    const again = await evaluateAgent(ppo, env, episodes, { seed: 5 });
    expect(again).toEqual(first);
    expect(first.episodes).toBe(3);
    env.close();
    await ppo.close();
  });
});
