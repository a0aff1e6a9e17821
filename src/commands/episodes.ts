/**
 * `robonav episodes --env PointNav-v0 --split val --count 100 --out file.json [--seed S] [--json]`:
 * write a fixed list of valid episodes ({ sceneSeed, start, goal | category, geodesicDistance }) of
 * a split, one per scene, for `robonav eval --episodes-file`. Scene seeds come from the split's own
 * range, so val and test layouts are never trained on. The file is written atomically, and only
 * after every argument has been checked.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { writeEpisodeFile } from '../../envs/episodeFile.js';
import { EPISODE_FILE_VERSION, generateEpisodes, isEpisodeSampler, type Split, SPLITS } from '../../envs/episodes.js';
import { make } from '../../envs/registry.js';
import { choiceOption, integerOption, printJsonLine } from './options.js';

interface EpisodesFlags {
  env: string;
  split: Split;
  count: number;
  out: string;
  seed: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('episodes')
    .description('Write a fixed episode dataset of a split (scene seed, start, goal, geodesic distance) as JSON.')
    .option('--env <id>', 'registered env id (robonav envs lists them)', 'PointNav-v0')
    .option('--split <split>', `scene-seed split: ${SPLITS.join(' | ')}`, choiceOption(SPLITS), 'val')
    .option('--count <n>', 'number of episodes', integerOption(1), 100)
    .requiredOption('--out <file>', 'output JSON file')
    .option('--seed <n>', 'dataset seed (which scenes of the split, which episodes in them)', integerOption(0), 0)
    .option('--json', 'print one JSON line: {"episodes","out","meanGeodesicDistance"}')
    .action((flags: EpisodesFlags) => {
      const out = resolve(flags.out);
      if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory())
        throw new UsageError(`--out: directory ${dirname(out)} does not exist`);
      if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out: ${out} is a directory`);
      const env = make(flags.env, { sensors: ['gps'] });
      try {
        if (!isEpisodeSampler(env)) throw new UsageError(`${flags.env} cannot draw episodes`);
        const episodes = generateEpisodes(env, flags.split, flags.count, flags.seed);
        writeEpisodeFile(out, { version: EPISODE_FILE_VERSION, env: flags.env, split: flags.split, seed: flags.seed, episodes });
        const mean = episodes.reduce((s, e) => s + e.geodesicDistance, 0) / episodes.length;
        if (flags.json) printJsonLine({ episodes: episodes.length, out, meanGeodesicDistance: mean });
        else
          process.stdout.write(
            `wrote ${episodes.length} ${flags.env} ${flags.split} episodes to ${out} (mean geodesic distance ${mean.toFixed(2)} m)\n`,
          );
      } finally {
        env.close();
      }
    });
}
