/**
 * What a learner and its actors share in Redis for one training run NAME:
 *
 *   robonav:run:NAME:spec        string  JSON `RunSpec`: env, env options, agent config, spaces, sync flag (the learner writes it)
 *   robonav:run:NAME:weights     hash    version (update count), stamp (unique per publication), lengths (JSON),
 *                                        data (float32 little-endian, concatenated)
 *   robonav:run:NAME:versions    channel a new weights version, announced after the hash is written
 *   robonav:run:NAME:chunks      stream  one entry per trajectory chunk (field `chunk`), XADD … MAXLEN ~ by the actors,
 *                                        consumer group `learner`
 *   robonav:run:NAME:actors      counter INCR hands each actor its number (env seeds and sampling stream)
 *   robonav:run:NAME:alive:ID    string  an actor's heartbeat, with a TTL: the learner counts the live actors
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SpaceJSONSchema } from '../core/spaces.js';

/** Version of the `RunSpec` layout; an actor refuses another. */
export const RUN_SPEC_FORMAT = 1;

/** Seconds an actor's heartbeat lives without a refresh. */
export const HEARTBEAT_TTL_SECONDS = 10;

/** The consumer group (and consumer) of the learner on the chunk stream. */
export const LEARNER_GROUP = 'learner';

/** The keys of run `run`. */
export function runKeys(run: string): {
  spec: string;
  weights: string;
  versions: string;
  chunks: string;
  actors: string;
  alive: (actor: string) => string;
  alivePattern: string;
  /** Sync runs: env columns actors have claimed to collect under one publication of the weights. */
  claimed: (stamp: string) => string;
} {
  const base = `robonav:run:${run}`;
  return {
    spec: `${base}:spec`,
    weights: `${base}:weights`,
    versions: `${base}:versions`,
    chunks: `${base}:chunks`,
    actors: `${base}:actors`,
    alive: (actor) => `${base}:alive:${actor}`,
    alivePattern: `${base}:alive:*`,
    claimed: (stamp) => `${base}:claimed:${stamp}`,
  };
}

/** A run's name as it appears in keys: letters, digits, `.`, `_`, `-` (the basename of --out). */
export const RUN_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** What an actor needs to join a run, as the learner wrote it. */
export const RunSpecSchema = z.object({
  format: z.literal(RUN_SPEC_FORMAT),
  run: z.string().regex(RUN_NAME),
  env: z.string().min(1),
  envOptions: z.record(z.string(), z.unknown()),
  agent: z.literal('ppo'),
  /** The learner's full agent config (seed, numSteps T, numEnvs N, network). */
  config: z.object({ seed: z.number().int(), numSteps: z.number().int().positive(), numEnvs: z.number().int().positive() }).passthrough(),
  observationSpace: SpaceJSONSchema,
  actionSpace: SpaceJSONSchema,
  /** Actors wait for each new version and collect exactly one rollout of it (plain PPO). */
  sync: z.boolean(),
  /** Approximate bound of the chunk stream (XADD … MAXLEN ~). */
  streamMaxLen: z.number().int().positive(),
  /**
   * Async runs: an actor waits before its next rollout while this many chunks or more wait
   * undelivered in the stream (the group's lag), so that actors faster than the learner do not
   * fill the stream with chunks that would be stale by the time they are read.
   */
  maxBacklog: z.number().int().positive(),
});

/** The spec of a run (see `RunSpecSchema`). */
export type RunSpec = z.infer<typeof RunSpecSchema>;

/** Weights and the version they were published under. */
export interface PublishedWeights {
  version: number;
  /**
   * Unique per publication: a learner that restarts (resumed, or after Redis lost its data)
   * publishes the same version again under a new stamp, which a waiting actor takes as new.
   */
  stamp: string;
  weights: Float32Array[];
}

/** Write weights under the run's key (one HSET, so a reader never sees a torn pair) and announce the version; returns the bytes sent. */
export async function publishWeights(client: Redis, run: string, version: number, weights: readonly Float32Array[]): Promise<number> {
  const keys = runKeys(run);
  const total = weights.reduce((a, w) => a + w.length, 0);
  const data = Buffer.alloc(total * 4);
  let offset = 0;
  for (const w of weights) {
    Buffer.from(w.buffer, w.byteOffset, w.byteLength).copy(data, offset * 4);
    offset += w.length;
  }
  const lengths = JSON.stringify(weights.map((w) => w.length));
  const stamp = `${version}-${randomBytes(6).toString('hex')}`;
  await client.hset(keys.weights, { version: String(version), stamp, lengths, data });
  await client.publish(keys.versions, String(version));
  return data.length;
}

/** Entries of the run's chunk stream not yet delivered to the learner's group (null when Redis does not say). */
export async function chunkBacklog(client: Redis, run: string): Promise<number | null> {
  let groups: unknown;
  try {
    groups = await client.xinfo('GROUPS', runKeys(run).chunks);
  } catch {
    return null;
  }
  for (const group of groups as unknown[][]) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < group.length; i += 2) fields.set(String(group[i]), group[i + 1]);
    if (fields.get('name') === LEARNER_GROUP) return typeof fields.get('lag') === 'number' ? (fields.get('lag') as number) : null;
  }
  return null;
}

/** The stamp of the run's latest weights, or null before the first publication. */
export async function weightsStamp(client: Redis, run: string): Promise<string | null> {
  return client.hget(runKeys(run).weights, 'stamp');
}

/** The run's weights, or null before the first publication. */
export async function readWeights(client: Redis, run: string): Promise<PublishedWeights | null> {
  const hash = await client.hgetallBuffer(runKeys(run).weights);
  if (!hash.version || !hash.stamp || !hash.lengths || !hash.data) return null;
  const lengths = JSON.parse(hash.lengths.toString()) as number[];
  const data = hash.data;
  const all = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const weights: Float32Array[] = [];
  let offset = 0;
  for (const n of lengths) {
    weights.push(all.subarray(offset, offset + n));
    offset += n;
  }
  return { version: Number(hash.version.toString()), stamp: hash.stamp.toString(), weights };
}

/** How long a publication's claim counter lives (s): far longer than any rollout. */
const CLAIM_TTL_SECONDS = 3600;

/**
 * Sync runs: claim `numEnvs` of the `needed` env columns one update takes under the weights
 * published as `stamp`. True when some were still unclaimed, so the actor collects a rollout;
 * false when other rollouts already cover the update. An actor with fewer envs than the run's N
 * claims again after each rollout until the update is covered, so one small actor never waits for
 * a version that needs more columns than it gave.
 */
export async function claimSyncRollout(client: Redis, run: string, stamp: string, numEnvs: number, needed: number): Promise<boolean> {
  const key = runKeys(run).claimed(stamp);
  const [[, total]] = (await client.multi().incrby(key, numEnvs).expire(key, CLAIM_TTL_SECONDS).exec()) as [[Error | null, number]];
  return total - numEnvs < needed;
}
