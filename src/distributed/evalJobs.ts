/**
 * Sharded evaluation over Redis: `robonav eval … --broker` and `robonav bench policies … --broker`
 * split their fixed episodes into jobs that actors (`robonav actor --broker … --eval`) take, run
 * with the code of a local evaluation (`runSlice`, hence `runEpisode`), and answer; the command
 * merges the answers in episode order. Episode i's result depends only on (seed, i, policy) — the
 * policy is reset with the episode's seed (`Policy.reset`) — so the merged table is the local one.
 *
 * Keys (every one starts with `robonav:eval:`):
 *
 *   robonav:eval:jobs                 one stream of jobs for all job sets, consumer group
 *                                     `robonav:eval:actors`; an entry is {set, job: JSON}; actors
 *                                     XACK and XDEL an entry when its result is written, the command
 *                                     deletes what is left of its set when it ends, and XADD caps it
 *                                     (MAXLEN ~ 100 000) as a safety net
 *   robonav:eval:SET:spec             the job set: env id and options, seed, sampled or most likely
 *                                     actions, replays, policy names (JSON; TTL)
 *   robonav:eval:SET:policy:P         policy P's folder as bytes: model.json, weights.bin,
 *                                     policy.json (a hash; TTL); absent for random and oracle
 *   robonav:eval:SET:results          answers {job, policy, first, results, replays} (stream; TTL;
 *                                     the command deletes each answer once read)
 *
 * A job an actor took and never answered (the actor died) is idle in the group's pending list; any
 * actor takes it over with XAUTOCLAIM once it has been idle longer than `reclaimAfterMs`, and an
 * actor running a job marks it as alive after every episode (XCLAIM … JUSTID resets the idle time).
 * A job answered twice is counted once (the command keeps the first answer of each job); an actor
 * that cannot run a job says why, and the job is sent again, up to three times. When the
 * command ends — done, failed, timed out or interrupted — it deletes its set's keys and jobs; the
 * TTL (refreshed while it waits) removes them if the command itself is killed. A malformed job or
 * answer (bad JSON, wrong fields, an unknown env, a policy that does not load) is rejected with a
 * logged reason and counted, and the loop goes on.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { loadPolicyDir } from '../../agents/common/savedPolicy.js';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { initBackend } from '../nn/backend.js';
import { EpisodeSchema } from '../../envs/episodes.js';
import { make } from '../../envs/registry.js';
import type { Env } from '../core/Env.js';
import { formatZodError, UsageError } from '../core/errors.js';
import type { Policy } from '../core/Policy.js';
import { BUILTIN_POLICIES, runSlice, type SliceOutput, type SliceTask } from '../eval/bench/policiesBench.js';
import type { EpisodeResult } from '../eval/evaluate.js';
import { loadPolicy } from '../eval/policies.js';
import { resolvePolicyDir } from '../runs/checkpoint.js';
import { Broker, BrokerError, parseBrokerUrl } from './Broker.js';

/** The stream of evaluation jobs, shared by every job set. */
export const EVAL_JOBS_STREAM = 'robonav:eval:jobs';
/** The consumer group of the actors on `EVAL_JOBS_STREAM`. */
export const EVAL_GROUP = 'robonav:eval:actors';
const JOBS_MAXLEN = 100_000;
/** A job whose actors answered this many times that they could not run it ends the command. */
const MAX_JOB_FAILURES = 3;
const RESULTS_MAXLEN = 100_000;
const POLICY_FILES = ['model.json', 'weights.bin', 'policy.json'] as const;

const keyOf = (set: string, part: string): string => `robonav:eval:${set}:${part}`;

const SpecSchema = z
  .object({
    version: z.literal(1),
    env: z.string().min(1),
    envOptions: z.record(z.string(), z.unknown()),
    seed: z.number().int().min(0),
    stochastic: z.boolean(),
    replays: z.number().int().min(0),
    policies: z.array(z.object({ name: z.string().min(1), model: z.boolean() }).strict()).min(1),
    ttlSeconds: z.number().int().min(1),
  })
  .strict();
type JobSetSpec = z.infer<typeof SpecSchema>;

const JobSchema = z
  .object({
    job: z.number().int().min(0),
    policy: z.number().int().min(0),
    first: z.number().int().min(0),
    episodes: z.array(EpisodeSchema).min(1),
  })
  .strict();
type Job = z.infer<typeof JobSchema>;

const finite = z.number().refine(Number.isFinite, 'not a finite number');
const EpisodeResultSchema = z
  .object({
    success: finite,
    spl: finite,
    softSpl: finite,
    return: finite,
    collisions: finite,
    pathLength: finite,
    steps: finite,
    distanceToGoal: finite,
  })
  .strict();

const AnswerSchema = z
  .object({
    job: z.number().int().min(0),
    actor: z.string(),
    /** Why the actor could not run the job (a policy that does not load, an env it does not have). */
    error: z.string().optional(),
    results: z.array(EpisodeResultSchema),
    // Replays are checked as objects with an index and paths; their contents are the env's own.
    replays: z.array(
      z.object({ index: z.number().int().min(0), paths: z.array(z.object({ policy: z.string() }).passthrough()) }).passthrough(),
    ),
  })
  .strict();

/** Whether an error is Redis's answer to creating a consumer group that exists. */
const isBusyGroup = (err: unknown): boolean => err instanceof Error && err.message.startsWith('BUSYGROUP');

/** Create the actors' consumer group (and the stream) unless it exists. */
async function ensureGroup(redis: Redis): Promise<void> {
  try {
    await redis.xgroup('CREATE', EVAL_JOBS_STREAM, EVAL_GROUP, '0', 'MKSTREAM');
  } catch (err) {
    if (!isBusyGroup(err)) throw err;
  }
}

/** How a command waits for its sharded evaluation. */
export interface ShardedRunOptions {
  /** The prefix of its log lines, e.g. 'robonav eval'. */
  name: string;
  /** Where its log lines go; default: standard error. */
  log?: (line: string) => void;
  /** Episodes per job. @default 10 */
  jobEpisodes?: number;
  /** Give up (BrokerError) after this long without an answer; 0 waits until `signal` aborts. @default 0 */
  timeoutMs?: number;
  /** Say that it is waiting for actors after this long without an answer. @default 5000, or half of `timeoutMs` if shorter */
  noticeMs?: number;
  /** Lifetime of the job set's keys if the command dies; refreshed while it waits. @default 3600 */
  ttlSeconds?: number;
  /** Aborts the wait (Ctrl-C): the job set is deleted and the promise rejects. */
  signal?: AbortSignal;
}

/** What the command saw while it waited. */
export interface ShardedRunStats {
  jobs: number;
  /** Answers to a job that already had one (a job re-run after its actor looked dead). */
  duplicates: number;
  /** Answers that were not valid and were dropped. */
  rejected: number;
}

/**
 * Run `task` (every policy on every episode) as jobs for actors on `broker` and wait for all the
 * answers; returns what `runSlice(task)` would return locally. `onEpisode` is called once per
 * finished (policy, episode). Policies other than random and oracle are read from their folders
 * (`resolvePolicyDir`) and travel in Redis.
 * @throws BrokerError on timeout; the abort reason when `options.signal` aborts.
 */
export async function runShardedSlice(
  broker: Broker,
  task: SliceTask,
  options: ShardedRunOptions,
  onEpisode: () => void = () => {},
  stats: ShardedRunStats = { jobs: 0, duplicates: 0, rejected: 0 },
): Promise<SliceOutput> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const redis = broker.client;
  const set = randomBytes(8).toString('hex');
  const ttl = options.ttlSeconds ?? 3600;
  const per = options.jobEpisodes ?? 10;
  const specKey = keyOf(set, 'spec');
  const resultsKey = keyOf(set, 'results');
  const policyKeys = task.policies.map((_, p) => keyOf(set, `policy:${p}`));
  const jobIds: string[] = [];
  const jobs: Array<Job & { count: number }> = [];
  for (const p of task.policies.keys()) {
    for (let k = 0; k < task.episodes.length; k += per) {
      const episodes = task.episodes.slice(k, k + per);
      jobs.push({ job: jobs.length, policy: p, first: task.first + k, episodes, count: episodes.length });
    }
  }
  stats.jobs = jobs.length;
  await checkPolicies(task);
  const answers: Array<z.infer<typeof AnswerSchema> | null> = jobs.map(() => null);
  const failures: string[][] = jobs.map(() => []);
  let reader: Redis | null = null;
  try {
    const spec: JobSetSpec = {
      version: 1,
      env: task.env,
      envOptions: task.envOptions,
      seed: task.seed,
      stochastic: task.stochastic ?? false,
      replays: task.replays,
      policies: task.policies.map((name) => ({ name, model: !BUILTIN_POLICIES.includes(name) })),
      ttlSeconds: ttl,
    };
    const folders = new Map<number, Record<string, Buffer>>();
    for (const [p, { name, model }] of spec.policies.entries()) {
      if (!model) continue;
      const dir = await resolvePolicyDir(name);
      const fields: Record<string, Buffer> = {};
      for (const file of POLICY_FILES) fields[file] = await readFile(path.join(dir, file));
      folders.set(p, fields);
    }
    /** Put the job set into Redis with `pending` as its jobs (`withSet` false: the jobs alone). */
    const submit = async (pending: Array<Job & { count: number }>, withSet = true): Promise<void> => {
      if (withSet) {
        for (const [p, fields] of folders) await redis.multi().hset(policyKeys[p]!, fields).expire(policyKeys[p]!, ttl).exec();
        // The spec last: an actor that sees it finds the policies in place.
        await redis.set(specKey, JSON.stringify(spec), 'EX', ttl);
        await ensureGroup(redis);
      }
      const adding = redis.pipeline();
      for (const { count: _, ...job } of pending) {
        adding.xadd(EVAL_JOBS_STREAM, 'MAXLEN', '~', JOBS_MAXLEN, '*', 'set', set, 'job', JSON.stringify(job));
      }
      for (const [err, id] of (await adding.exec()) ?? []) {
        if (err) throw err;
        jobIds.push(id as string);
      }
    };
    await submit(jobs);

    const noticeMs = options.noticeMs ?? Math.min(5000, options.timeoutMs ? options.timeoutMs / 2 : 5000);
    reader = broker.connection();
    let lastId = '0';
    let done = 0;
    let lastAnswer = Date.now();
    let lastRefresh = Date.now();
    let lastCheck = Date.now();
    let noticed = false;
    while (done < jobs.length) {
      if (options.signal?.aborted) throw options.signal.reason;
      const reply = (await reader.xread('COUNT', 100, 'BLOCK', 500, 'STREAMS', resultsKey, lastId)) as Array<
        [string, Array<[string, string[]]>]
      > | null;
      const entries = reply?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        lastId = id;
        const answer = parseAnswer(fields, jobs);
        if (typeof answer === 'string') {
          stats.rejected++;
          log(`${options.name}: rejected an answer (${answer})`);
          continue;
        }
        if (answers[answer.job] !== null) {
          stats.duplicates++;
          continue;
        }
        if (answer.error !== undefined) {
          // Another actor may manage (one with another robonav version, say); three failures of a job end the command.
          failures[answer.job]!.push(`${answer.actor}: ${answer.error}`);
          if (failures[answer.job]!.length >= MAX_JOB_FAILURES)
            throw new BrokerError(
              `${options.name}: job ${answer.job} failed ${MAX_JOB_FAILURES} times: ${failures[answer.job]!.join('; ')}`,
            );
          log(`${options.name}: actor ${answer.actor} could not run job ${answer.job} (${answer.error}); sending it again`);
          await submit([jobs[answer.job]!], false);
          continue;
        }
        answers[answer.job] = answer;
        done++;
        lastAnswer = Date.now();
        noticed = false;
        for (let i = 0; i < answer.results.length; i++) onEpisode();
      }
      if (entries.length > 0) await redis.xdel(resultsKey, ...entries.map(([id]) => id));
      const now = Date.now();
      if (now - lastCheck > 2000) {
        lastCheck = now;
        // A Redis restarted without persistence (or one that evicted the set) has lost the jobs: send the unanswered ones again.
        if ((await redis.exists(specKey)) === 0) {
          const unanswered = jobs.filter((job) => answers[job.job] === null);
          log(
            `${options.name}: the job set is gone from Redis (restarted without persistence?); sending its ${unanswered.length} unanswered jobs again`,
          );
          lastId = '0';
          await submit(unanswered);
        }
      }
      if (now - lastRefresh > (ttl * 1000) / 3) {
        lastRefresh = now;
        const refresh = redis.multi().expire(specKey, ttl).expire(resultsKey, ttl);
        for (const key of policyKeys) refresh.expire(key, ttl);
        await refresh.exec();
      }
      const silent = now - lastAnswer;
      if (!noticed && silent >= noticeMs) {
        noticed = true;
        log(
          `${options.name}: waiting for actors: ${done}/${jobs.length} jobs done, none answered in ${Math.round(silent / 1000)} s (start one: robonav actor --broker ${broker.redacted} --eval)`,
        );
      }
      if (options.timeoutMs && silent >= options.timeoutMs) {
        throw new BrokerError(
          `${options.name}: no actor answered for ${options.timeoutMs / 1000} s (--broker-timeout); ${done}/${jobs.length} jobs done, gave up`,
        );
      }
    }
  } finally {
    if (reader !== null) broker.release(reader);
    // Nothing of the job set outlives the command: its jobs (taken or not), answers, spec and policies.
    const cleanup = redis.multi();
    if (jobIds.length > 0) cleanup.xack(EVAL_JOBS_STREAM, EVAL_GROUP, ...jobIds).xdel(EVAL_JOBS_STREAM, ...jobIds);
    cleanup.del(specKey, resultsKey, ...policyKeys);
    await cleanup.exec();
  }
  return merge(task, jobs, answers as Array<z.infer<typeof AnswerSchema>>);
}

/** Load every policy of `task` here once, so that a missing or incompatible one is a UsageError before any job is sent. */
async function checkPolicies(task: SliceTask): Promise<void> {
  const env = make(task.env, task.envOptions);
  try {
    for (const name of task.policies) {
      const policy = await loadPolicy(name, { env, seed: task.seed, stochastic: task.stochastic ?? false });
      policy.dispose?.();
    }
  } finally {
    env.close();
  }
}

/** An answer checked against the job set, or why it is rejected. */
function parseAnswer(fields: string[], jobs: Array<Job & { count: number }>): z.infer<typeof AnswerSchema> | string {
  const data = fieldValue(fields, 'answer');
  if (data === null) return 'no answer field';
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return 'not JSON';
  }
  const parsed = AnswerSchema.safeParse(json);
  if (!parsed.success) return formatZodError(parsed.error, 'answer');
  const job = jobs[parsed.data.job];
  if (!job) return `no job ${parsed.data.job} in this set`;
  if (parsed.data.error === undefined && parsed.data.results.length !== job.count)
    return `job ${job.job} has ${job.count} episodes, the answer ${parsed.data.results.length}`;
  // The checked answer with its results and replays as sent: their keys in the order the actor wrote them, as a local run has them.
  const raw = json as Pick<z.infer<typeof AnswerSchema>, 'results' | 'replays'>;
  return { ...parsed.data, results: raw.results, replays: raw.replays };
}

/** The value of `name` in a stream entry's [field, value, …] list, or null. */
function fieldValue(fields: string[], name: string): string | null {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!;
  return null;
}

/** The answers as `runSlice` would return them: results in episode order per policy, replays by episode with paths in policy order. */
function merge(task: SliceTask, jobs: Array<Job & { count: number }>, answers: Array<z.infer<typeof AnswerSchema>>): SliceOutput {
  const results: EpisodeResult[][] = task.policies.map(() => []);
  const replays = new Map<number, SliceOutput['replays'][number]>();
  const paths = new Map<number, Array<{ policy: number; path: unknown }>>();
  for (const job of jobs) {
    const answer = answers[job.job]!;
    results[job.policy]!.push(...(answer.results as EpisodeResult[]));
    for (const replay of answer.replays as unknown as SliceOutput['replays']) {
      if (!replays.has(replay.index)) replays.set(replay.index, replay);
      const list = paths.get(replay.index) ?? [];
      for (const p of replay.paths) list.push({ policy: job.policy, path: p });
      paths.set(replay.index, list);
    }
  }
  const merged = [...replays.values()]
    .sort((a, b) => a.index - b.index)
    .map((replay) => ({
      ...replay,
      paths: paths
        .get(replay.index)!
        .sort((a, b) => a.policy - b.policy)
        .map((p) => p.path) as SliceOutput['replays'][number]['paths'],
    }));
  return { results, replays: merged };
}

// ───────────────────────────── the actor's side ─────────────────────────────

/** How an actor takes evaluation jobs. */
export interface EvalJobWorkerOptions {
  /** The prefix of its log lines, e.g. 'robonav actor'. */
  name: string;
  /** Where its log lines go; default: standard error. */
  log?: (line: string) => void;
  /** Its consumer name in the group. @default host-pid-random */
  consumer?: string;
  /** Take over a job another actor took and has not marked alive for this long (it died). @default 60 000 */
  reclaimAfterMs?: number;
  /** How long `takeOne` waits for a job when there is none. @default 1000 */
  blockMs?: number;
}

/** What an actor did with jobs so far. */
export interface EvalJobCounts {
  /** Jobs run and answered. */
  done: number;
  /** Jobs taken over from an actor that stopped answering. */
  reclaimed: number;
  /** Jobs rejected (malformed, unknown env, a policy that does not load, a set that is gone). */
  rejected: number;
}

/** Thrown out of a job when the actor is told to stop (its job stays pending for another actor). */
class Abandoned extends Error {}

/** A job set as an actor keeps it: its spec and its policies' files as read from Redis. */
interface KnownSet {
  spec: JobSetSpec;
  folders: Map<number, Record<string, Buffer>>;
}

/**
 * The actor's side of sharded evaluation: `takeOne()` takes at most one job (one taken over from a
 * dead actor first, else a new one, waiting up to `blockMs`), runs it with `runSlice` and answers.
 * A training actor calls it between chunks; `robonav actor --eval` calls it in a loop.
 */
export class EvalJobWorker {
  /** Jobs done, taken over and rejected so far. */
  readonly counts: EvalJobCounts = { done: 0, reclaimed: 0, rejected: 0 };
  /** Its consumer name in the group. */
  readonly consumer: string;
  private readonly log: (line: string) => void;
  private readonly blocking: Redis;
  private readonly sets = new Map<string, KnownSet>();
  private grouped = false;
  private cursor = '0-0';
  private current: string | null = null;
  private abandoning = false;

  constructor(
    private readonly broker: Broker,
    private readonly options: EvalJobWorkerOptions,
  ) {
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.blocking = broker.connection();
  }

  /** Whether a job is running now. */
  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * Take at most one job, run it and answer it. Returns whether it took one (answered or rejected);
   * false when none came within `blockMs` or it was abandoned.
   */
  async takeOne(): Promise<boolean> {
    if (this.abandoning) return false;
    const redis = this.broker.client;
    if (!this.grouped) {
      await ensureGroup(redis);
      this.grouped = true;
    }
    try {
      return await this.takeOneInGroup();
    } catch (err) {
      // A Redis restarted without persistence has no group: make it again, and take a job next time.
      if (!(err instanceof Error && err.message.includes('NOGROUP'))) throw err;
      this.grouped = false;
      this.cursor = '0-0';
      return false;
    }
  }

  private async takeOneInGroup(): Promise<boolean> {
    const redis = this.broker.client;
    const reclaimAfter = this.options.reclaimAfterMs ?? 60_000;
    const claimed = (await redis.xautoclaim(EVAL_JOBS_STREAM, EVAL_GROUP, this.consumer, reclaimAfter, this.cursor, 'COUNT', 1)) as [
      string,
      Array<[string, string[]] | null>,
      string[]?,
    ];
    this.cursor = claimed[0];
    let entry = claimed[1].find((e): e is [string, string[]] => e !== null) ?? null;
    if (entry !== null) {
      this.counts.reclaimed++;
      this.log(`${this.options.name}: took over job ${entry[0]} from an actor that stopped answering`);
    } else {
      const block = this.options.blockMs ?? 1000;
      const reply = (await (block > 0
        ? this.blocking.xreadgroup('GROUP', EVAL_GROUP, this.consumer, 'COUNT', 1, 'BLOCK', block, 'STREAMS', EVAL_JOBS_STREAM, '>')
        : this.blocking.xreadgroup('GROUP', EVAL_GROUP, this.consumer, 'COUNT', 1, 'STREAMS', EVAL_JOBS_STREAM, '>'))) as Array<
        [string, Array<[string, string[]]>]
      > | null;
      entry = reply?.[0]?.[1]?.[0] ?? null;
      if (entry === null || this.abandoning) {
        if (entry !== null) await this.release(entry[0]);
        return false;
      }
    }
    const [id, fields] = entry;
    this.current = id;
    try {
      await this.run(id, fields);
      return true;
    } catch (err) {
      if (err instanceof Abandoned) {
        await this.release(id);
        return false;
      }
      throw err;
    } finally {
      this.current = null;
    }
  }

  /**
   * Stop at the end of the running episode without answering: the job goes back to the other
   * actors at once. `takeOne` takes no more jobs afterwards.
   */
  abandon(): void {
    this.abandoning = true;
  }

  /** Forget the job sets, close its blocking connection, and leave the group if no job of this actor is pending. */
  async close(): Promise<void> {
    this.broker.release(this.blocking);
    this.sets.clear();
    if (!this.grouped) return;
    const pending = (await this.broker.client.xpending(EVAL_JOBS_STREAM, EVAL_GROUP, '-', '+', 1, this.consumer)) as unknown[];
    if (pending.length === 0) await this.broker.client.xgroup('DELCONSUMER', EVAL_JOBS_STREAM, EVAL_GROUP, this.consumer);
  }

  /** Hand a taken job back: idle for long, so the next XAUTOCLAIM of any actor takes it. */
  private async release(id: string): Promise<void> {
    await this.broker.client.xclaim(EVAL_JOBS_STREAM, EVAL_GROUP, this.consumer, 0, id, 'IDLE', 1e12, 'JUSTID');
  }

  /** Acknowledge and delete a job that cannot run, saying why. */
  private async reject(id: string, why: string): Promise<void> {
    this.counts.rejected++;
    this.log(`${this.options.name}: rejected job ${id}: ${why}`);
    await this.broker.client.multi().xack(EVAL_JOBS_STREAM, EVAL_GROUP, id).xdel(EVAL_JOBS_STREAM, id).exec();
  }

  private async run(id: string, fields: string[]): Promise<void> {
    const set = fieldValue(fields, 'set');
    const data = fieldValue(fields, 'job');
    if (set === null || data === null || !/^[0-9a-f]{16}$/.test(set)) return this.reject(id, 'no set or job field');
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.reject(id, 'the job is not JSON');
    }
    const parsed = JobSchema.safeParse(json);
    if (!parsed.success) return this.reject(id, formatZodError(parsed.error, 'job'));
    const job = parsed.data;
    const known = await this.knownSet(set);
    if (typeof known === 'string') return this.reject(id, known);
    const entry = known.spec.policies[job.policy];
    if (!entry) return this.reject(id, `the job set has no policy ${job.policy}`);
    const redis = this.broker.client;
    const task: SliceTask = {
      env: known.spec.env,
      envOptions: known.spec.envOptions,
      policies: [entry.name],
      seed: known.spec.seed,
      first: job.first,
      episodes: job.episodes,
      replays: known.spec.replays,
      stochastic: known.spec.stochastic,
    };
    let output: SliceOutput;
    try {
      output = await runSlice(
        task,
        () => {
          if (this.abandoning) throw new Abandoned();
          // Still alive: reset the job's idle time so that no other actor takes it over.
          redis.xclaim(EVAL_JOBS_STREAM, EVAL_GROUP, this.consumer, 0, id, 'JUSTID').catch(() => {});
        },
        (name, env, seed, stochastic) => this.loadPolicy(set, known, job.policy, name, env, seed, stochastic),
      );
    } catch (err) {
      if (err instanceof Abandoned) throw err;
      const why = err instanceof Error ? err.message : String(err);
      this.counts.rejected++;
      this.log(`${this.options.name}: could not run job ${id}: ${why}`);
      return this.answer(set, id, known, { job: job.job, actor: this.consumer, error: why, results: [], replays: [] });
    }
    await this.answer(set, id, known, { job: job.job, actor: this.consumer, results: output.results[0], replays: output.replays });
    this.counts.done++;
  }

  /** Answer a job (only while its set exists: a command that has ended must not get its keys back), acknowledge and delete it. */
  private async answer(set: string, id: string, known: KnownSet, answer: object): Promise<void> {
    await this.broker.client.eval(
      ANSWER_SCRIPT,
      3,
      keyOf(set, 'spec'),
      keyOf(set, 'results'),
      EVAL_JOBS_STREAM,
      EVAL_GROUP,
      id,
      JSON.stringify(answer),
      String(RESULTS_MAXLEN),
      String(known.spec.ttlSeconds),
    );
  }

  /** The job set's spec (cached), or why its jobs cannot run. */
  private async knownSet(set: string): Promise<KnownSet | string> {
    const cached = this.sets.get(set);
    if (cached) return cached;
    const text = await this.broker.client.get(keyOf(set, 'spec'));
    if (text === null) return `job set ${set} is gone (its command has ended)`;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return `the spec of job set ${set} is not JSON`;
    }
    const parsed = SpecSchema.safeParse(json);
    if (!parsed.success) return formatZodError(parsed.error, `the spec of job set ${set}`);
    let env: Env;
    try {
      env = make(parsed.data.env, parsed.data.envOptions);
    } catch (err) {
      return `env ${parsed.data.env}: ${err instanceof Error ? err.message : String(err)}`;
    }
    env.close();
    // Keep the few latest sets: a set is used by a run of jobs, then never again.
    if (this.sets.size >= 4) {
      this.sets.delete(this.sets.keys().next().value as string);
    }
    const known = { spec: parsed.data, folders: new Map<number, Record<string, Buffer>>() };
    this.sets.set(set, known);
    return known;
  }

  /**
   * Policy `p` of a job set: random and oracle as locally; a trained one from its bytes in Redis,
   * unpacked into a temporary folder just for the load, so that it passes the checks of a folder.
   */
  private async loadPolicy(
    set: string,
    known: KnownSet,
    p: number,
    name: string,
    env: Env,
    seed: number,
    stochastic: boolean,
  ): Promise<Policy> {
    if (!known.spec.policies[p]!.model) return loadPolicy(name, { env, seed, stochastic });
    let fields = known.folders.get(p);
    if (fields === undefined) {
      fields = await this.broker.client.hgetallBuffer(keyOf(set, `policy:${p}`));
      const missing = POLICY_FILES.filter((file) => !fields![file]);
      if (missing.length > 0) throw new Error(`policy ${name} of job set ${set} lacks ${missing.join(', ')} in Redis`);
      known.folders.set(p, fields);
    }
    await initBackend();
    const dir = mkdtempSync(path.join(tmpdir(), 'robonav-eval-policy-'));
    let loaded: Awaited<ReturnType<typeof loadPolicyDir>>;
    try {
      for (const file of POLICY_FILES) writeFileSync(path.join(dir, file), fields[file]!);
      loaded = await loadPolicyDir(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const { model, info } = loaded;
    const policy = TrainedPolicy.fromModel(name, model, info, { seed, stochastic });
    try {
      policy.checkEnv(env);
    } catch (err) {
      policy.dispose();
      throw err;
    }
    return policy;
  }
}

/**
 * KEYS: spec, results, jobs stream. ARGV: group, job entry id, answer JSON, results MAXLEN, TTL (s).
 * Adds the answer only while the set's spec exists; acknowledges and deletes the job either way.
 */
const ANSWER_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'answer', ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[3], ARGV[2])
return 1
`;

/** What a command's `--broker` flags ask of `runOnBroker`. */
export interface BrokerFlags {
  /** `--broker URL`. */
  broker: string;
  /** `--broker-timeout S`: give up after S seconds without an answer (0: wait until Ctrl-C). */
  brokerTimeout?: number;
  /** `--job-episodes N`: episodes per job. */
  jobEpisodes?: number;
}

/**
 * Connect to the broker, run `task` as jobs (`runShardedSlice`) and close. Ctrl-C (SIGINT) or
 * SIGTERM ends the wait: the job set is deleted and the promise rejects saying so.
 */
export async function runOnBroker(
  flags: BrokerFlags,
  task: SliceTask,
  name: string,
  onEpisode: () => void = () => {},
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<SliceOutput> {
  const broker = await Broker.connect(flags.broker, { name, log });
  const abort = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    // A second signal while the first is being handled (Redis unreachable, say) ends the process at once.
    if (abort.signal.aborted) process.exit(130);
    abort.abort(new Error(`${name}: interrupted (${signal}); the job set was deleted from ${broker.redacted}`));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await runShardedSlice(
      broker,
      task,
      {
        name,
        log,
        timeoutMs: (flags.brokerTimeout ?? 0) * 1000,
        signal: abort.signal,
        ...(flags.jobEpisodes ? { jobEpisodes: flags.jobEpisodes } : {}),
      },
      onEpisode,
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await broker.close();
  }
}

/**
 * Check a command's broker flags before anything runs: a malformed --broker, or --broker-timeout /
 * --job-episodes without --broker, is a UsageError.
 */
export function checkBrokerFlags(flags: Partial<BrokerFlags>): void {
  if (flags.broker !== undefined) {
    parseBrokerUrl(flags.broker);
    return;
  }
  if (flags.brokerTimeout !== undefined) throw new UsageError('--broker-timeout needs --broker');
  if (flags.jobEpisodes !== undefined) throw new UsageError('--job-episodes needs --broker');
}
