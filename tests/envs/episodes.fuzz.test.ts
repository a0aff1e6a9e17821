/**
 * Format fuzzing of episode files (see tests/helpers/fuzz.ts): a file as `robonav episodes`
 * writes it, with its text damaged or a value made huge, negative, fractional, of another type, or
 * removed; `readEpisodeFile` must read it or throw a `FileFormatError` naming it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { readEpisodeFile, writeEpisodeFile } from '../../envs/episodeFile.js';
import { EPISODE_FILE_VERSION, generateEpisodes } from '../../envs/episodes.js';
import type { PointNav } from '../../envs/PointNav.js';
import { make } from '../../envs/registry.js';
import { fuzzRuns, jsonFileProperty } from '../helpers/fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-episodes-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readEpisodeFile on mutated episode files', () => {
  it('reads it or names it', async () => {
    const env = make('PointNav-Easy-v0', { sensors: ['pointgoal'] }) as PointNav;
    const episodes = generateEpisodes(env, 'val', 4, 0);
    env.close();
    const file = join(dir, 'val.json');
    writeEpisodeFile(file, { version: EPISODE_FILE_VERSION, env: 'PointNav-Easy-v0', split: 'val', seed: 0, episodes });
    await fc.assert(
      jsonFileProperty(file, readFileSync(file, 'utf8'), () => readEpisodeFile(file)),
      fuzzRuns(300),
    );
  });
});
