/**
 * Episode datasets: fixed lists of episodes that evaluations replay exactly.
 *
 * An episode is { sceneSeed, start: { position [x, z] m, yaw rad }, goal?: [x, z] m, category?: name,
 * geodesicDistance m }: the scene is regenerated from its seed, so a dataset stays small. Scene seeds
 * come from disjoint ranges per split (`SCENE_SPLITS`), so test layouts are never seen in training.
 *
 * File format (JSON, version 1): { version, env, split, seed, episodes: [...] }; reading and writing
 * files is in `episodeFile.ts` (Node only), so that this module runs in a browser too.
 */
import { z } from 'zod';
import { formatZodError, UsageError } from '../src/core/errors.js';
import { Rng } from '../src/core/Rng.js';

/** Version of the episode file format; a file of another version is refused. */
export const EPISODE_FILE_VERSION = 1;

/** A dataset split; each draws its scenes from its own range of seeds (`SCENE_SPLITS`). */
export type Split = 'train' | 'val' | 'test';
/** Every split, in order. */
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** [first scene seed, number of seeds] per split: disjoint ranges. */
export const SCENE_SPLITS: Readonly<Record<Split, readonly [number, number]>> = {
  train: [0, 1_000_000],
  val: [1_000_000, 10_000],
  test: [1_010_000, 10_000],
};

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** The zod schema of one fixed episode. */
export const EpisodeSchema = z
  .object({
    /** Seed of the generated scene. */
    sceneSeed: z.number().int(),
    /** Robot start: ground position [x, z] (m) and heading (rad). */
    start: z.object({ position: z.tuple([finite, finite]), yaw: finite }).strict(),
    /** PointNav/TMaze goal point [x, z] (m). */
    goal: z.tuple([finite, finite]).optional(),
    /** ObjectNav goal category name. */
    category: z.string().optional(),
    /** Shortest-path length from the start to the goal set (m). */
    geodesicDistance: finite.refine((v) => v >= 0, 'expected a number ≥ 0'),
  })
  .strict();

/** One fixed episode: scene seed, start pose (m, rad), goal point (m) or category, and its shortest-path length (m). */
export type EpisodeSpec = z.infer<typeof EpisodeSchema>;

/** The zod schema of an episode file. */
export const EpisodeFileSchema = z
  .object({
    version: z.literal(EPISODE_FILE_VERSION),
    env: z.string(),
    split: z.enum(['train', 'val', 'test']),
    seed: z.number().int(),
    episodes: z.array(EpisodeSchema),
  })
  .strict();

/** An episode file: the env id, split and seed it was drawn with, and its episodes. */
export type EpisodeFile = z.infer<typeof EpisodeFileSchema>;

/** Validate one episode; a bad one is a UsageError naming the field. */
export function parseEpisode(input: unknown, source = 'episode'): EpisodeSpec {
  const result = EpisodeSchema.safeParse(input);
  if (!result.success) throw new UsageError(formatZodError(result.error, source));
  return result.data;
}

/** Whatever can draw an episode in the scene of a seed (every NavEnv). */
export interface EpisodeSampler {
  sampleEpisodeInScene(sceneSeed: number, rng: Rng): EpisodeSpec | null;
}

/** Whether `env` can draw episodes of a split (every NavEnv can; a custom env may not). */
export function isEpisodeSampler<E extends object>(env: E): env is E & EpisodeSampler {
  return typeof (env as Partial<EpisodeSampler>).sampleEpisodeInScene === 'function';
}

/**
 * `count` episodes of a split, one per scene: scene seeds run consecutively through the split's
 * range from an offset drawn from `seed`; a scene without a valid episode is skipped. Each scene's
 * episode draws from its own stream (seeded by scene seed and `seed`), so one seed → one dataset.
 */
export function generateEpisodes(sampler: EpisodeSampler, split: Split, count: number, seed: number): EpisodeSpec[] {
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`episode count must be a positive integer, got ${count}`);
  const [first, size] = SCENE_SPLITS[split];
  const offset = new Rng(seed).int(size);
  const episodes: EpisodeSpec[] = [];
  const limit = Math.min(size, count * 4);
  for (let k = 0; k < limit && episodes.length < count; k++) {
    const sceneSeed = first + ((offset + k) % size);
    const episode = sampler.sampleEpisodeInScene(sceneSeed, new Rng((sceneSeed * 0x9e3779b1) ^ seed));
    if (episode) episodes.push(episode);
  }
  if (episodes.length < count)
    throw new Error(`only ${episodes.length} of ${count} valid episodes in ${limit} ${split} scenes; relax the distance filters`);
  return episodes;
}
