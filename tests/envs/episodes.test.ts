import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError, UsageError } from '../../src/core/errors.js';
import { readEpisodeFile, writeEpisodeFile } from '../../envs/episodeFile.js';
import { EPISODE_FILE_VERSION, generateEpisodes, SCENE_SPLITS } from '../../envs/episodes.js';
import { make } from '../../envs/registry.js';
import type { PointNav } from '../../envs/PointNav.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-episodes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('episode datasets', () => {
  it('uses disjoint scene-seed ranges per split', () => {
    const ranges = Object.values(SCENE_SPLITS)
      .map(([first, n]) => [first, first + n] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  });

  it('draws valid, reproducible episodes from the split: reachable, in the distance range, not straight in rooms', () => {
    const env = make('PointNav-v0', { sensors: ['pointgoal'] }) as PointNav;
    const a = generateEpisodes(env, 'val', 6, 3);
    expect(generateEpisodes(make('PointNav-v0', { sensors: ['pointgoal'] }) as PointNav, 'val', 6, 3)).toEqual(a);
    expect(generateEpisodes(env, 'val', 6, 4)).not.toEqual(a);
    const [first, n] = SCENE_SPLITS.val;
    for (const e of a) {
      expect(e.sceneSeed).toBeGreaterThanOrEqual(first);
      expect(e.sceneSeed).toBeLessThan(first + n);
      expect(e.geodesicDistance).toBeGreaterThanOrEqual(1);
      expect(e.geodesicDistance).toBeLessThanOrEqual(30);
      const euclid = Math.hypot(e.goal![0] - e.start.position[0], e.goal![1] - e.start.position[1]);
      expect(e.geodesicDistance / euclid).toBeGreaterThanOrEqual(1.1 - 1e-3);
      // Replaying the episode gives the stored geodesic distance and places the robot at its start.
      env.reset({ options: { episode: e } });
      expect(env.distanceToGoal).toBeCloseTo(e.geodesicDistance, 6);
      expect(env.world.pose.x).toBeCloseTo(e.start.position[0], 6);
    }
  });

  it('round-trips a file, and names the problem in a bad one', () => {
    const env = make('PointNav-Easy-v0', { sensors: ['pointgoal'] }) as PointNav;
    const episodes = generateEpisodes(env, 'test', 3, 0);
    const path = join(dir, 'test.json');
    writeEpisodeFile(path, { version: EPISODE_FILE_VERSION, env: 'PointNav-Easy-v0', split: 'test', seed: 0, episodes });
    expect(readEpisodeFile(path).episodes).toEqual(episodes);
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        version: 1,
        env: 'X-v0',
        split: 'test',
        seed: 0,
        episodes: [{ sceneSeed: 1, start: { position: [0, 'a'], yaw: 0 }, geodesicDistance: 1 }],
      }),
    );
    expect(() => readEpisodeFile(bad)).toThrow(FileFormatError);
    expect(() => readEpisodeFile(bad)).toThrow(/bad\.json: episodes\[0\]\.start\.position\[1\]/);
    writeFileSync(bad, '{"version": 1,');
    expect(() => readEpisodeFile(bad)).toThrow(/not valid JSON/);
    expect(() => readEpisodeFile(join(dir, 'missing.json'))).toThrow(UsageError);
    expect(() => generateEpisodes(env, 'test', 0, 0)).toThrow(/positive integer/);
  });
});
