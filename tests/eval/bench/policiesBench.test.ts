/**
 * The policy benchmark on a small env (PointNav-Easy with only the pointgoal sensor, no camera,
 * 60-step episodes): identical tables from two runs with one seed on 1 and 2 worker threads, a
 * trained policy beside the baselines, clear errors for a missing or incompatible policy, and a
 * slice that lets the event loop turn between episodes (an actor told to stop hears it mid-job).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPO } from '../../../agents/ppo.js';
import { make } from '../../../envs/registry.js';
import { UsageError } from '../../../src/core/errors.js';
import { initBackend } from '../../../src/nn/backend.js';
import { formatCsv, formatMarkdown, runPoliciesBench, runSlice } from '../../../src/eval/bench/policiesBench.js';
import { fixedEpisodes } from '../../../envs/episodeFile.js';
import { savePolicy } from '../../../agents/common/savedPolicy.js';
import { ROOT } from '../../helpers/cli.js';

const root = ROOT;
const work = mkdtempSync(join(tmpdir(), 'robonav-bench-'));
const ENV = 'PointNav-Easy-v0';
const envOptions = { sensors: ['pointgoal'], maxEpisodeSteps: 60 };
const trained = join(work, 'pointgoal-policy');
const otherObs = join(work, 'compass-policy');

/** Save an untrained PPO policy for the env made with `sensors`. */
async function savePpo(dir: string, sensors: string[]): Promise<void> {
  const ppo = new PPO(() => make(ENV, { ...envOptions, sensors }), { numEnvs: 1, numSteps: 8, seed: 3 });
  await savePolicy(dir, ppo, { env: ENV, sensors });
  await ppo.close();
}

beforeAll(async () => {
  await initBackend();
  await savePpo(trained, ['pointgoal']);
  await savePpo(otherObs, ['pointgoal', 'compass']);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

const base = { env: ENV, envOptions, split: 'test' as const, episodes: 4, seed: 4, resamples: 200, replays: 2 };

describe('runPoliciesBench', () => {
  it('gives identical tables on 1 and 2 threads, episode by episode, trained policy included', async () => {
    const policies = ['random', 'oracle', trained];
    const one = await runPoliciesBench({ ...base, policies, threads: 1 });
    const two = await runPoliciesBench({ ...base, policies, threads: 2 });
    expect(two).toEqual(one);
    expect(formatMarkdown(two)).toBe(formatMarkdown(one));

    expect(one.policies.map((p) => p.name)).toEqual(policies);
    expect(one.perEpisode.map((r) => r.length)).toEqual([4, 4, 4]);
    const oracle = one.policies[1]!;
    expect(oracle.success).toBe(1);
    expect(oracle.ci.success).toEqual([1, 1]);
    for (const row of one.policies) {
      for (const key of ['success', 'spl', 'softSpl', 'return', 'collisions', 'pathLength', 'steps'] as const) {
        expect(row.ci[key][0]).toBeLessThanOrEqual(row[key] + 1e-12);
        expect(row.ci[key][1]).toBeGreaterThanOrEqual(row[key] - 1e-12);
      }
    }
    // Replays: the first two episodes, each with every policy's path starting at the episode start.
    expect(one.replays.map((r) => r.index)).toEqual([0, 1]);
    for (const replay of one.replays) {
      expect(replay.paths.map((p) => p.policy)).toEqual(policies);
      for (const path of replay.paths) {
        expect(path.points.length).toBe(2 * (path.steps + 1));
        expect(path.points[0]).toBeCloseTo(replay.start.x, 3);
        expect(path.points[1]).toBeCloseTo(replay.start.z, 3);
      }
    }
    // CSV: a header and one row per (policy, episode).
    const csv = formatCsv(one).trim().split('\n');
    expect(csv[0]).toBe('policy,episode,sceneSeed,geodesicDistance,success,spl,softSpl,return,collisions,pathLength,steps,distanceToGoal');
    expect(csv.length).toBe(1 + 3 * 4);
  });

  it('rejects a missing policy path, naming it', async () => {
    const missing = join(work, 'runs', 'nope');
    await expect(runPoliciesBench({ ...base, policies: ['random', missing], threads: 1 })).rejects.toThrow(UsageError);
    await expect(runPoliciesBench({ ...base, policies: ['random', missing], threads: 1 })).rejects.toThrow(
      `policy "${missing}": no such run`,
    );
  });

  it('rejects a policy trained for other observations, naming it and both spaces', async () => {
    const err = await runPoliciesBench({ ...base, policies: ['oracle', otherObs], threads: 1 }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    expect(message).toContain(`policy ${otherObs} was trained on Dict(pointgoal: `);
    // The policy's space has compass, the env's (after "env has") does not.
    const [trainedOn, envHas] = message.split('env has');
    expect(trainedOn).toContain('compass');
    expect(envHas).toContain('pointgoal');
    expect(envHas).not.toContain('compass');
  });
});

describe('runSlice', () => {
  it('lets the event loop turn between episodes, so a signal is handled before the slice ends', async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    const seen: boolean[] = [];
    const env = make(ENV, envOptions);
    const { episodes } = fixedEpisodes(ENV, env, { split: 'val', count: 2 });
    env.close();
    const task = { env: ENV, envOptions, policies: ['random'], seed: 1, first: 0, episodes, replays: 0 };
    await runSlice(task, () => seen.push(turned));
    expect(seen).toEqual([true, true]);
  });
});

describe('robonav bench policies', () => {
  it('exits 2 naming a missing policy, and writes nothing', () => {
    const out = join(work, 'report');
    const missing = join(work, 'runs', 'B');
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'dist/src/cli.js'),
        'bench',
        'policies',
        '--env',
        ENV,
        '--sensors',
        'pointgoal',
        '--episodes',
        '2',
        '--policies',
        `random,${missing}`,
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`policy "${missing}"`);
    expect(existsSync(out)).toBe(false);
  });
});
