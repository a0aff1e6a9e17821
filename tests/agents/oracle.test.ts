import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { generateEpisodes } from '../../envs/episodes.js';
import { make } from '../../envs/registry.js';
import type { PointNav } from '../../envs/PointNav.js';
import { OraclePolicy } from '../../agents/oracle.js';
import { evaluate } from '../../src/eval/evaluate.js';

describe('OraclePolicy', () => {
  it('reaches the goal and stops on PointNav-v0 test episodes, near the shortest path', async () => {
    const env = make('PointNav-v0', { sensors: ['pointgoal'] }) as PointNav;
    const episodes = generateEpisodes(env, 'test', 8, 0);
    const { results, summary } = await evaluate(env, new OraclePolicy(), episodes, { seed: 0 });
    expect(results.map((r) => r.success)).toEqual(Array(8).fill(1));
    expect(summary.spl).toBeGreaterThan(0.95);
    for (const r of results) expect(r.distanceToGoal).toBeLessThanOrEqual(0.2);
  });

  it('refuses envs it cannot drive', () => {
    const oracle = new OraclePolicy();
    const continuous = make('PointNav-Easy-v0', { sensors: ['pointgoal'], continuous: true });
    const { obs } = continuous.reset({ seed: 0 });
    expect(() => oracle.act(obs, continuous)).toThrow(/discrete actions/);
    const explore = make('Explore-Easy-v0', { sensors: ['gps'] });
    expect(() => oracle.act(explore.reset({ seed: 0 }).obs, explore)).toThrow(UsageError);
    expect(() => new OraclePolicy({ margin: -1 })).toThrow(/margin/);
  });
});
