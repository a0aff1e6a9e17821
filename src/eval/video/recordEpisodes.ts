/**
 * Record a policy's fixed evaluation episodes into a recording held in memory, the way
 * `robonav eval --record` writes one to disk: the same episodes (the split's dataset), the same
 * seeds (episode i reset with seed + i), the policy's RGB observations kept as frames when it has
 * any. For videos of a run without a `.rec` file.
 */
import { fixedEpisodes } from '../../../envs/episodeFile.js';
import type { Split } from '../../../envs/episodes.js';
import { make } from '../../../envs/registry.js';
import { frameSourcesOf } from '../../stream/EpisodeStreamer.js';
import { attachRecorder, Recording } from '../../runs/Recording.js';
import { evaluate } from '../evaluate.js';
import { loadPolicy } from '../policies.js';

/** Which episodes to record, and how the policy acts. */
export interface RecordEpisodesOptions {
  /** Registered env id. */
  env: string;
  /** Options of `make(env, options)`: a run's own, from its run.json. @default {} */
  envOptions?: Record<string, unknown>;
  /** @default 'test' */
  split?: Split;
  /** Episodes to record (the split's first). */
  episodes: number;
  /** Seed of the policy and the env's noise; episode i is reset with seed + i. @default 0 */
  seed?: number;
  /** Take the most likely action instead of sampling one. @default false */
  deterministic?: boolean;
}

/** Run `policy` (a name `loadPolicy` knows: random, oracle, a run, checkpoint or policy folder) on fixed episodes and return their recording. */
export async function recordEpisodes(policy: string, options: RecordEpisodesOptions): Promise<Recording> {
  const env = make(options.env, options.envOptions ?? {});
  try {
    const seed = options.seed ?? 0;
    const loaded = await loadPolicy(policy, { env, seed, stochastic: options.deterministic !== true });
    try {
      const split = options.split ?? 'test';
      const { episodes, label } = fixedEpisodes(options.env, env, { split, count: options.episodes });
      const frames = frameSourcesOf(env.observationSpace).get('rgb')?.dtype === 'uint8' ? (['rgb'] as const) : [];
      const recorder = attachRecorder(env, {
        source: `${policy} · ${options.env} · ${label}`,
        task: options.env,
        maxEpisodes: options.episodes,
        frames,
      });
      await evaluate(recorder.env, loaded, episodes, { seed });
      return Recording.fromBytes(recorder.writer.toBytes(), policy);
    } finally {
      loaded.dispose?.();
    }
  } finally {
    env.close();
  }
}
