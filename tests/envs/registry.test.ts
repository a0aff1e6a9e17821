import { describe, expect, it } from 'vitest';
import { checkEnv, hashObservation } from '../../src/core/checkEnv.js';
import type { Action } from '../../src/core/Env.js';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { envSpec, listEnvs, make, registerEnv } from '../../envs/registry.js';
import type { NavEnv } from '../../envs/NavEnv.js';

const BUILT_IN = [
  'Explore-Easy-v0',
  'Explore-v0',
  'Maze-v0',
  'ObjectNav-Easy-v0',
  'ObjectNav-v0',
  'PointNav-Easy-v0',
  'PointNav-v0',
  'TMaze-v0',
];

/** Observation-stream hash of a fresh env: reset(seed), then 25 seeded random actions with autoreset. */
function streamHash(id: string, seed: number): number {
  const env = make(id);
  const rng = new Rng(seed);
  let h = hashObservation(env.reset({ seed }).obs);
  for (let t = 0; t < 25; t++) {
    const r = env.step(env.actionSpace.sample(rng) as Action);
    h = hashObservation(r.obs, h ^ Math.round(r.reward * 1e6));
    if (r.terminated || r.truncated) h = hashObservation(env.reset().obs, h);
  }
  env.close();
  return h;
}

describe('registry', () => {
  it('lists the built-in envs with their episode limits', () => {
    const ids = listEnvs().map((e) => e.id);
    for (const id of BUILT_IN) expect(ids).toContain(id);
    expect(envSpec('PointNav-v0').maxEpisodeSteps).toBe(500);
    expect(envSpec('TMaze-v0').maxEpisodeSteps).toBe(100);
  });

  it('rejects an unknown id with a UsageError listing the known ones', () => {
    expect(() => make('PointNav-v9')).toThrow(UsageError);
    expect(() => make('PointNav-v9')).toThrow(/unknown env "PointNav-v9"; known envs: .*PointNav-Easy-v0.*TMaze-v0/);
  });

  it('rejects bad ids, duplicates and bad limits', () => {
    const create = () => make('PointNav-Easy-v0');
    expect(() => registerEnv('no version', { description: '', maxEpisodeSteps: 1, create })).toThrow(/must look like Name-v0/);
    expect(() => registerEnv('PointNav-v0', { description: '', maxEpisodeSteps: 1, create })).toThrow(/already registered/);
    expect(() => registerEnv('Other-v0', { description: '', maxEpisodeSteps: 0, create })).toThrow(/maxEpisodeSteps/);
    expect(() => make('PointNav-Easy-v0', { maxEpisodeSteps: 2.5 })).toThrow(/maxEpisodeSteps must be a positive integer/);
  });

  it('passes the registered episode limit unless the options override it', () => {
    const env = make('PointNav-Easy-v0', { sensors: ['pointgoal'], maxEpisodeSteps: 3 }) as NavEnv;
    expect(env.config.maxEpisodeSteps).toBe(3);
    env.reset({ seed: 0 });
    const flags = [1, 2, 3].map(() => env.step(2)); // turning never ends a PointNav episode
    expect(flags.map((r) => r.truncated)).toEqual([false, false, true]);
    expect((make('PointNav-Easy-v0') as NavEnv).config.maxEpisodeSteps).toBe(200);
  });

  it('names a bad env option in a UsageError', () => {
    expect(() => make('PointNav-v0', { sensors: ['sonar'] })).toThrow(/PointNav-v0 options: sensors\[0\]: /);
    expect(() => make('PointNav-v0', { successDistnce: 1 })).toThrow(/PointNav-v0 options: .*successDistnce/);
    expect(() => make('PointNav-v0', { camera: { width: 0 } })).toThrow(/camera\.width/);
    expect(() => make('Explore-v0', { sensors: ['pointgoal'] })).toThrow(/pointgoal.*no goal/);
    expect(() => make('PointNav-v0', { robot: { maxLinear: -1 } })).toThrow(/PointNav-v0 options: robot\.maxLinear: expected a number > 0/);
    expect(() => make('TMaze-v0', { successDistance: 0 })).toThrow(/TMaze-v0 options: successDistance/);
  });

  // The Gymnasium practice: the env checker and a same-seed determinism test over every registered env.
  it.each(BUILT_IN)('%s passes the env checker and repeats its observation stream under one seed', (id) => {
    checkEnv(() => make(id));
    expect(streamHash(id, 11)).toBe(streamHash(id, 11));
    const env = make(id);
    // Other seeds start elsewhere (TMaze always starts in the same spot, so look at several: the cue differs).
    const firsts = new Set([11, 12, 13, 14, 15, 16].map((seed) => hashObservation(env.reset({ seed }).obs)));
    expect(firsts.size).toBeGreaterThan(1);
  });
});
