/**
 * Episode files on disk (Node only): writing and reading the datasets of `robonav episodes`, and
 * the fixed episodes of an evaluation (a file's, else a split's). The format and the pure episode
 * sampling live in `episodes.ts`, which runs in a browser too.
 */
import { existsSync } from 'node:fs';
import { writeFileAtomicSync } from '../src/core/atomicWrite.js';
import { UsageError } from '../src/core/errors.js';
import { readJsonFile } from '../src/core/jsonFile.js';
import { type EpisodeFile, EpisodeFileSchema, type EpisodeSpec, generateEpisodes, isEpisodeSampler, type Split } from './episodes.js';

/** Where an evaluation's fixed episodes come from: a file of `robonav episodes`, else the split's dataset. */
export interface EpisodeSource {
  /** An episode file; it must hold episodes of the env being evaluated. */
  file?: string;
  split: Split;
  /** At most this many episodes (a file's first ones; the split's dataset draws exactly this many). */
  count: number;
}

/**
 * The fixed episodes of an evaluation, with a label saying where they came from: the first
 * `count` of the file, or the split's dataset drawn by `env` with seed 0 (what `robonav episodes
 * --seed 0` writes), so every evaluation of a split runs the very same episodes.
 * @throws UsageError for a file of another env, or an env that cannot draw episodes.
 */
export function fixedEpisodes(envId: string, env: object, source: EpisodeSource): { episodes: EpisodeSpec[]; label: string } {
  if (source.file !== undefined) {
    const file = readEpisodeFile(source.file);
    if (file.env !== envId) throw new UsageError(`--episodes-file ${source.file} holds ${file.env} episodes, not ${envId}`);
    return { episodes: file.episodes.slice(0, source.count), label: `${file.split} (${source.file})` };
  }
  if (!isEpisodeSampler(env)) throw new UsageError(`${envId} cannot draw episodes; pass --episodes-file`);
  return { episodes: generateEpisodes(env, source.split, source.count, 0), label: `${source.split} split` };
}

/** Write a dataset atomically (temp file + rename). */
export function writeEpisodeFile(path: string, file: EpisodeFile): void {
  writeFileAtomicSync(path, `${JSON.stringify(file, null, 1)}\n`);
}

/** Read and validate a dataset; a missing file is a UsageError, a malformed one a FileFormatError naming the field. */
export function readEpisodeFile(path: string): EpisodeFile {
  // A path the user named that is not there is a bad argument; a file that is there but wrong is a bad file.
  if (!existsSync(path)) throw new UsageError(`episode file ${path} does not exist`);
  return readJsonFile(path, EpisodeFileSchema);
}
