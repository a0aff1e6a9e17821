/**
 * `robonav collect --env ID [--policy random-move] --steps N --out data/NAME`: record camera frames,
 * poses, actions and episode boundaries into binary shards (see `src/pretrain/dataset/`), for
 * `robonav pretrain`. Deterministic in `--seed`; `--split` picks the env's scene-seed range.
 *
 * The default policy, `random-move`, turns and moves at random but never calls STOP, so episodes
 * run to the env's step limit: the long sequences `robonav pretrain rnn` trains on. (`random`
 * calls STOP a quarter of the time and ends most episodes within a few steps.)
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { make } from '../../envs/registry.js';
import { UsageError } from '../core/errors.js';
import { Dict } from '../core/spaces.js';
import type { Policy } from '../core/Policy.js';
import type { Env } from '../core/Env.js';
import { collect, FRAME_KEYS, RandomMovePolicy } from '../pretrain/dataset/collect.js';
import { loadPolicy } from '../eval/policies.js';
import { DEFAULT_FRAMES_PER_SHARD } from '../pretrain/dataset/ShardWriter.js';
import { checkEnvOptions, choiceOption, envOptionsOption, integerOption, listOption, printJsonLine } from './options.js';

/** `random-move` here; `random`, `oracle` and trained runs through the evaluation's policy loaders. */
async function resolvePolicy(name: string, env: Env, seed: number): Promise<Policy> {
  if (name === 'random-move') return new RandomMovePolicy(seed);
  return loadPolicy(name, { env, seed });
}

interface CollectFlags {
  env: string;
  envOptions?: Record<string, unknown>;
  policy: string;
  steps: number;
  out: string;
  seed: number;
  split: 'train' | 'val' | 'test';
  sensors?: string[];
  cameraSize?: number;
  maxEpisodeSteps?: number;
  framesPerShard: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('collect')
    .description('Record camera frames, poses, actions and episode boundaries into a dataset for robonav pretrain.')
    .requiredOption('--env <id>', 'env id, e.g. PointNav-v0')
    .option(
      '--env-options <json>',
      'JSON object of env options, e.g. \'{"sensors":["rgb","pointgoal"]}\' (--split, --sensors, --camera-size, --max-episode-steps override its keys)',
      envOptionsOption,
    )
    .requiredOption('--steps <n>', 'frames to record', integerOption(1))
    .requiredOption('--out <dir>', 'dataset folder to create (must not exist)')
    .option(
      '--policy <name>',
      'who acts: random-move (random turns and moves, never STOP: full-length episodes) | random (STOP a quarter of the time: short episodes) | oracle | runs/NAME',
      'random-move',
    )
    .option('--seed <n>', 'seed of the env and the policy', integerOption(0), 0)
    .option('--split <split>', 'scene-seed range the env draws from', choiceOption(['train', 'val', 'test'] as const), 'train')
    .option('--sensors <list>', `observation keys (default: the env's own plus ${FRAME_KEYS.join(', ')})`, listOption)
    .option('--camera-size <px>', 'camera width = height', integerOption(1))
    .option('--max-episode-steps <n>', "episode limit (default: the env's registered one)", integerOption(1))
    .option('--frames-per-shard <n>', 'frames per shard file', integerOption(1), DEFAULT_FRAMES_PER_SHARD)
    .option('--json', 'print the dataset summary as one JSON line at the end')
    .action(async (o: CollectFlags) => {
      if (existsSync(o.out)) throw new UsageError(`--out ${o.out} already exists; choose a new folder`);
      // Ask the env for its own observation keys, then add the camera frames we record.
      const base = o.envOptions ?? {};
      if (o.envOptions) checkEnvOptions(o.env, { ...base, split: o.split });
      const probe = make(o.env, { ...base, split: o.split });
      const own = probe.observationSpace instanceof Dict ? probe.observationSpace.keys() : [];
      probe.close();
      const sensors = o.sensors ?? [...new Set([...own, ...FRAME_KEYS])];
      const envOptions: Record<string, unknown> = { ...base, split: o.split, sensors };
      if (o.cameraSize !== undefined) envOptions.cameraSize = o.cameraSize;
      if (o.maxEpisodeSteps !== undefined) envOptions.maxEpisodeSteps = o.maxEpisodeSteps;
      const env = make(o.env, envOptions);
      const policy = await resolvePolicy(o.policy, env, o.seed);
      const started = Date.now();
      const log = (frames: number): void => void (o.json ? process.stderr : process.stdout).write(`${frames} / ${o.steps} frames\n`);
      const index = await collect({
        env,
        envId: o.env,
        policy,
        steps: o.steps,
        seed: o.seed,
        out: o.out,
        framesPerShard: o.framesPerShard,
        meta: { split: o.split, envOptions },
        onProgress: log,
      });
      const seconds = (Date.now() - started) / 1000;
      const complete = index.episodes.filter((e) => e.complete);
      const summary = {
        out: o.out,
        frames: index.frames,
        shards: index.shards.length,
        episodes: index.episodes.length,
        scenes: new Set(index.episodes.map((e) => e.seed)).size,
        successRate: complete.length ? complete.reduce((a, e) => a + (e.metrics.success ?? 0), 0) / complete.length : null,
        bytes: index.shards.reduce((a, s) => a + s.bytes, 0),
        seconds,
      };
      if (o.json) printJsonLine(summary);
      else
        process.stdout.write(
          `wrote ${summary.frames} frames (${summary.episodes} episodes, ${summary.scenes} scenes) in ${summary.shards} shards to ${o.out} in ${seconds.toFixed(1)} s\n`,
        );
    });
}
