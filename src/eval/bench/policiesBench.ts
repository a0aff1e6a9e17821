/**
 * Policy benchmark: every policy on the very same fixed episodes, in parallel across worker
 * threads, summarised as means with percentile-bootstrap 95% intervals (`src/eval/bootstrap.ts`).
 *
 * Determinism, whatever the thread count: the episodes are split into contiguous slices, one per
 * worker, and merged back in episode order; episode i is reset with seed `seed + i`, and so is the
 * policy (`Policy.reset(seed + i)`: the `random` baseline restarts its stream from a mix of the two
 * seeds; trained policies act deterministically and clear their state). So episode i's result
 * depends only on (seed, i, policy), never on which worker ran it or what ran before it — which is
 * also what lets `hooks.run` shard the episodes over other machines (`robonav bench policies --broker`).
 *
 * Policies are named as for `robonav eval`: `random`, `oracle`, or a run / checkpoint / policy
 * directory (whatever `policyLoaders` in `src/eval/evaluate.ts` recognise). A directory that does
 * not exist, or a policy trained for other observations or actions than the env's, is a UsageError
 * naming it, raised before any result exists (the trained-policy loader checks the spaces).
 *
 * Workers start from the compiled JavaScript in `dist/` (as `WorkerVectorEnv` does).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compiledModule } from '../../core/compiledModule.js';
import type { Policy } from '../../core/Policy.js';
import { fixedEpisodes } from '../../../envs/episodeFile.js';
import type { EpisodeSpec, Split } from '../../../envs/episodes.js';
import { NavEnv } from '../../../envs/NavEnv.js';
import { make } from '../../../envs/registry.js';
import type { Env } from '../../core/Env.js';
import { EnvStateError, SpaceError, UsageError } from '../../core/errors.js';
import { initBackend } from '../../nn/backend.js';
import type { SceneSpec } from '../../sim/SceneSpec.js';
import { bootstrapMeanCI, DEFAULT_BOOTSTRAP, mean } from '../bootstrap.js';
import { EVAL_METRIC_LABELS, EVAL_METRICS, runEpisode, type EpisodeResult, type EvalMetric } from '../evaluate.js';
import { loadPolicy } from '../policies.js';
import { splitEven } from '../../../agents/common/stats.js';
import { writeFileAtomicSync } from '../../core/atomicWrite.js';

export const BUILTIN_POLICIES: readonly string[] = ['random', 'oracle'];

/** Version of `policies.json` and `replays.json`. */
export const POLICIES_BENCH_VERSION = 1;

/** What `robonav bench policies` runs: env and options, split or episode file, episode count, seeds, policies, threads. */
export interface PoliciesBenchConfig {
  /** Registered env id. @default 'PointNav-v0' */
  env: string;
  /** Options for `make(env, options)`, e.g. `{ sensors: ['pointgoal'] }` (structured-cloneable). @default {} */
  envOptions: Record<string, unknown>;
  /** Episode split (ignored with `episodesFile`). @default 'test' */
  split: Split;
  /** Number of episodes (with `episodesFile`: at most this many of the file's). @default 200 */
  episodes: number;
  /** A dataset written by `robonav episodes` instead of the split's episodes. */
  episodesFile?: string;
  /** Policy names, e.g. ['random', 'oracle', 'runs/A']. */
  policies: string[];
  /** Episode i is reset with seed + i; also seeds the random policy and the bootstrap. @default 0 */
  seed: number;
  /** Worker threads. @default available cores */
  threads: number;
  /** Bootstrap resamples. @default 2000 */
  resamples: number;
  /** Keep the top-down path of the first `replays` episodes of every policy (for `robonav report`). @default 3 */
  replays: number;
}

/** The defaults: 200 test episodes of PointNav-v0, seed 0, 2000 bootstrap resamples, 3 replays. */
export const DEFAULT_POLICIES_BENCH: Omit<PoliciesBenchConfig, 'policies' | 'threads'> = {
  env: 'PointNav-v0',
  envOptions: {},
  split: 'test',
  episodes: 200,
  seed: 0,
  resamples: DEFAULT_BOOTSTRAP.resamples,
  replays: 3,
};

/** One policy's line of the table: means and their 95% intervals. */
export type PolicyRow = { name: string } & Record<EvalMetric, number> & { ci: Record<EvalMetric, [number, number]> };

/** One policy's top-down trajectory in a replayed episode. */
export interface ReplayPath {
  policy: string;
  /** Robot positions x0, z0, x1, z1, … (m), from the reset pose to the final one. */
  points: number[];
  success: number;
  spl: number;
  steps: number;
}

/** An episode whose paths are kept: the scene to draw them over and every policy's path. */
export interface ReplayEpisode {
  index: number;
  sceneSeed: number;
  scene: SceneSpec;
  start: { x: number; z: number; yaw: number };
  goals: Array<[number, number]>;
  /** Geodesic shortest path from the start (m). */
  shortestPath: Array<[number, number]>;
  paths: ReplayPath[];
}

/** A benchmark result: one row of means and 95% intervals per policy, the episodes run, and replay paths. */
export interface PoliciesBenchResult {
  env: string;
  split: string;
  episodes: number;
  seed: number;
  resamples: number;
  policies: PolicyRow[];
  /** The episodes run, in order. */
  episodeList: EpisodeSpec[];
  /** perEpisode[p][i]: policy p on episode i. */
  perEpisode: EpisodeResult[][];
  replays: ReplayEpisode[];
}

export interface PoliciesBenchHooks {
  /** Called after every finished (policy, episode) pair with the running count and the total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Run the whole benchmark (every policy on every episode) elsewhere instead of in worker threads,
   * e.g. as jobs for actors over Redis; `onEpisode` is called once per finished (policy, episode).
   */
  run?: (task: SliceTask, onEpisode: () => void) => Promise<SliceOutput>;
}

/** What one worker runs (structured-cloneable). */
export interface SliceTask {
  env: string;
  envOptions: Record<string, unknown>;
  policies: string[];
  seed: number;
  /** Global index of episodes[0]. */
  first: number;
  episodes: EpisodeSpec[];
  replays: number;
  /** Trained policies sample their actions (seeded) instead of taking the most likely one. @default false */
  stochastic?: boolean;
}

/** What a slice gives back: every policy's results in episode order, and the replays of its kept episodes. */
export interface SliceOutput {
  /** results[p][k]: policy p on the slice's episode k. */
  results: EpisodeResult[][];
  replays: ReplayEpisode[];
}

export type WorkerReply =
  | { type: 'progress' }
  | ({ type: 'done' } & SliceOutput)
  | { type: 'error'; name: string; message: string; stack?: string };

/** Run the benchmark. @throws UsageError for a bad config, a missing or an incompatible policy. */
export async function runPoliciesBench(
  config: Partial<PoliciesBenchConfig> & { policies: string[] },
  hooks: PoliciesBenchHooks = {},
): Promise<PoliciesBenchResult> {
  const c: PoliciesBenchConfig = { ...DEFAULT_POLICIES_BENCH, threads: availableParallelism(), ...config };
  validateConfig(c);
  const { episodes, split } = loadEpisodes(c);
  const threads = Math.min(c.threads, episodes.length);
  const slices = splitEven(episodes.length, threads);
  const total = episodes.length * c.policies.length;
  let done = 0;
  if (hooks.run) {
    const task = { env: c.env, envOptions: c.envOptions, policies: c.policies, seed: c.seed, first: 0, episodes, replays: c.replays };
    const output = await hooks.run(task, () => hooks.onProgress?.(++done, total));
    return assemble(c, episodes, split, [output]);
  }
  const workers = slices.map(([first, end]) =>
    startWorker(
      {
        env: c.env,
        envOptions: c.envOptions,
        policies: c.policies,
        seed: c.seed,
        first,
        episodes: episodes.slice(first, end),
        replays: c.replays,
      },
      () => hooks.onProgress?.(++done, total),
    ),
  );
  let outputs: SliceOutput[];
  try {
    outputs = await Promise.all(workers.map((w) => w.result));
  } finally {
    // After a failure the other workers would run on for nothing.
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
  return assemble(c, episodes, split, outputs);
}

/** The result from the outputs of consecutive slices. */
function assemble(c: PoliciesBenchConfig, episodes: EpisodeSpec[], split: string, outputs: SliceOutput[]): PoliciesBenchResult {
  const perEpisode = c.policies.map((_, p) => outputs.flatMap((o) => o.results[p]!));
  const policies = perEpisode.map((results, p) => summarizeRow(c.policies[p]!, results, c.seed, c.resamples));
  const replays = outputs.flatMap((o) => o.replays);
  return {
    env: c.env,
    split,
    episodes: episodes.length,
    seed: c.seed,
    resamples: c.resamples,
    policies,
    episodeList: episodes,
    perEpisode,
    replays,
  };
}

function validateConfig(c: PoliciesBenchConfig): void {
  if (c.policies.length === 0) throw new UsageError('--policies: name at least one policy');
  const seen = new Set<string>();
  for (const name of c.policies) {
    if (seen.has(name)) throw new UsageError(`--policies: "${name}" is listed twice`);
    seen.add(name);
    if (!BUILTIN_POLICIES.includes(name) && !existsSync(name)) {
      throw new UsageError(
        `policy "${name}": no such run, checkpoint or policy directory (built-in policies: ${BUILTIN_POLICIES.join(', ')})`,
      );
    }
  }
  for (const [key, min] of [
    ['episodes', 1],
    ['threads', 1],
    ['resamples', 1],
    ['replays', 0],
    ['seed', 0],
  ] as const) {
    if (!Number.isInteger(c[key]) || c[key] < min) throw new UsageError(`${key} must be an integer >= ${min}, got ${c[key]}`);
  }
}

/** The split's fixed episodes (the dataset `robonav episodes --seed 0` writes), or those of the file. */
function loadEpisodes(c: PoliciesBenchConfig): { episodes: EpisodeSpec[]; split: string } {
  const env = make(c.env, c.envOptions);
  try {
    const { episodes, label } = fixedEpisodes(c.env, env, {
      split: c.split,
      count: c.episodes,
      ...(c.episodesFile ? { file: c.episodesFile } : {}),
    });
    return { episodes, split: c.episodesFile ? label : c.split };
  } finally {
    env.close();
  }
}

const ERROR_CLASSES: Record<string, new (message: string) => Error> = { UsageError, SpaceError, EnvStateError, RangeError, TypeError };

function startWorker(task: SliceTask, onProgress: () => void): { worker: Worker; result: Promise<SliceOutput> } {
  const worker = new Worker(compiledModule(new URL('./policiesWorker.js', import.meta.url)), { workerData: task });
  const result = new Promise<SliceOutput>((resolvePromise, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'progress') onProgress();
      else if (reply.type === 'done') resolvePromise({ results: reply.results, replays: reply.replays });
      else {
        const Class = ERROR_CLASSES[reply.name];
        const err = Class ? new Class(reply.message) : new Error(reply.message);
        if (reply.stack) err.stack = reply.stack;
        reject(err);
      }
    });
    worker.on('error', reject);
    // A no-op once the promise has settled (the normal exit after terminate()).
    worker.on('exit', (code) => reject(new Error(`policies bench: a worker exited with code ${code} before it finished`)));
  });
  return { worker, result };
}

// ───────────────────────────── inside a worker ─────────────────────────────

/** How `runSlice` gets a policy by name, checked against the env: the `policyLoaders` by default. */
export type SlicePolicyLoader = (name: string, env: Env, seed: number, stochastic: boolean) => Promise<Policy>;

/**
 * Run every policy on a slice of episodes (called in a worker, and by an actor for a job of sharded
 * evaluation, which passes its own `load`).
 */
export async function runSlice(task: SliceTask, onEpisode: () => void, load: SlicePolicyLoader = loadChecked): Promise<SliceOutput> {
  const env = make(task.env, task.envOptions);
  try {
    if (task.policies.some((name) => !BUILTIN_POLICIES.includes(name))) await initBackend();
    const results: EpisodeResult[][] = task.policies.map(() => []);
    const replays = new Map<number, ReplayEpisode>();
    for (const [p, name] of task.policies.entries()) {
      const policy = await load(name, env, task.seed, task.stochastic ?? false);
      try {
        for (const [k, episode] of task.episodes.entries()) {
          const index = task.first + k;
          const replay = index < task.replays && env instanceof NavEnv ? replays : null;
          results[p]!.push(await runBenchEpisode(env, name, policy, episode, task.seed + index, index, replay));
          // An episode awaits only settled promises: let the event loop turn, so that a signal (an
          // actor told to stop) or a Redis reply is handled between episodes, not after the slice.
          await new Promise((resolve) => setImmediate(resolve));
          onEpisode();
        }
      } finally {
        policy.dispose?.();
      }
    }
    return { results, replays: [...replays.values()].sort((a, b) => a.index - b.index) };
  } finally {
    env.close();
  }
}

/**
 * Load a policy through `policyLoaders` (the trained-policy loader checks the policy's spaces against
 * the env's). A file problem becomes a UsageError naming the policy: the user named a bad path.
 */
async function loadChecked(name: string, env: Env, seed: number, stochastic: boolean): Promise<Policy> {
  try {
    return await loadPolicy(name, { env, seed, stochastic });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const message = (err as Error).message;
    throw new UsageError(message.includes(name) ? message : `policy "${name}": ${message}`);
  }
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** One episode through `runEpisode`; for an episode in `replays`, the robot's path is added to its replay. */
async function runBenchEpisode(
  env: Env,
  name: string,
  policy: Policy,
  episode: EpisodeSpec,
  seed: number,
  index: number,
  replays: Map<number, ReplayEpisode> | null,
): Promise<EpisodeResult> {
  if (!replays) return runEpisode(env, policy, episode, seed);
  const nav = env as NavEnv;
  // Robot positions x, z (m) after the reset and after every step.
  const points: number[] = [];
  const record = (): void => {
    points.push(round3(nav.world.pose.x), round3(nav.world.pose.z));
  };
  const result = await runEpisode(env, policy, episode, seed, record);
  let replay = replays.get(index);
  if (!replay) {
    const [x, z] = episode.start.position;
    replay = {
      index,
      sceneSeed: episode.sceneSeed,
      scene: nav.scene,
      start: { x, z, yaw: episode.start.yaw },
      goals: nav.goalPointsOf(nav.episode),
      shortestPath: (nav.geodesic?.shortestPath(x, z) ?? []).map(([px, pz]) => [round3(px), round3(pz)] as [number, number]),
      paths: [],
    };
    replays.set(index, replay);
  }
  replay.paths.push({ policy: name, points, success: result.success, spl: result.spl, steps: result.steps });
  return result;
}

// ───────────────────────────── summaries and outputs ─────────────────────────────

function summarizeRow(name: string, results: readonly EpisodeResult[], seed: number, resamples: number): PolicyRow {
  const columns = EVAL_METRICS.map((key) => Float64Array.from(results, (r) => r[key]));
  const intervals = bootstrapMeanCI(columns, { seed, resamples });
  const row = { name } as PolicyRow;
  const ci = {} as PolicyRow['ci'];
  EVAL_METRICS.forEach((key, k) => {
    row[key] = mean(columns[k]!);
    ci[key] = intervals[k]!;
  });
  row.ci = ci;
  return row;
}

/** The summary of a benchmark: the `--json` line and the head of `policies.json`. */
export type PoliciesBenchSummary = Pick<PoliciesBenchResult, 'env' | 'split' | 'episodes' | 'seed' | 'resamples' | 'policies'>;

/** The `--json` line: {"env","split","episodes","seed","resamples","policies":[…]}. */
export function benchJson(result: PoliciesBenchResult): PoliciesBenchSummary {
  const { env, split, episodes, seed, resamples, policies } = result;
  return { env, split, episodes, seed, resamples, policies };
}

/** A figure for the tables: 3 decimals when `scale` (default: the value) is below 10 in size, else 1. */
export function formatFigure(v: number, scale = v): string {
  return Math.abs(scale) >= 10 ? v.toFixed(1) : v.toFixed(3);
}

/** "mean [low, high]", all three with the mean's precision. */
export function formatInterval(value: number, [lo, hi]: [number, number]): string {
  return `${formatFigure(value)} [${formatFigure(lo, value)}, ${formatFigure(hi, value)}]`;
}

function cell(row: PolicyRow, key: EvalMetric): string {
  return formatInterval(row[key], row.ci[key]);
}

/** The line above a table: what was run and how the intervals were made. */
export function caption(result: PoliciesBenchSummary): string {
  return `${result.env} · ${result.split} · ${result.episodes} episodes · seed ${result.seed} · mean [95% bootstrap CI, ${result.resamples} resamples]`;
}

/** The table for a terminal: aligned columns. */
export function formatTerminal(result: PoliciesBenchResult): string {
  const header = ['policy', ...EVAL_METRICS.map((k) => EVAL_METRIC_LABELS[k])];
  const rows = result.policies.map((row) => [row.name, ...EVAL_METRICS.map((k) => cell(row, k))]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]): string => cells.map((s, j) => (j === 0 ? s.padEnd(widths[j]!) : s.padStart(widths[j]!))).join('  ');
  return `${[caption(result), line(header), ...rows.map(line)].join('\n')}\n`;
}

/** The table in Markdown. */
export function formatMarkdown(result: PoliciesBenchResult): string {
  const header = ['policy', ...EVAL_METRICS.map((k) => EVAL_METRIC_LABELS[k])];
  const lines = [
    `${caption(result)}`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, j) => (j === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...result.policies.map((row) => `| ${[row.name, ...EVAL_METRICS.map((k) => cell(row, k))].join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One row per (policy, episode), then nothing else: a tidy table for pandas or a spreadsheet. */
export function formatCsv(result: PoliciesBenchResult): string {
  const keys = [...EVAL_METRICS, 'distanceToGoal'] as const;
  const lines = [['policy', 'episode', 'sceneSeed', 'geodesicDistance', ...keys].join(',')];
  result.policies.forEach((row, p) => {
    result.perEpisode[p]!.forEach((r, i) => {
      const e = result.episodeList[i]!;
      lines.push(
        [csvField(row.name), String(i), String(e.sceneSeed), String(e.geodesicDistance), ...keys.map((k) => String(r[k]))].join(','),
      );
    });
  });
  return `${lines.join('\n')}\n`;
}

/** The files `--out` writes: policies.json, policies.md, policies.csv, replays.json. */
export function writeBenchOutputs(dir: string, result: PoliciesBenchResult): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    [
      'policies.json',
      `${JSON.stringify({ version: POLICIES_BENCH_VERSION, ...benchJson(result), perEpisode: perEpisodeRecords(result) })}\n`,
    ],
    ['policies.md', formatMarkdown(result)],
    ['policies.csv', formatCsv(result)],
    ['replays.json', `${JSON.stringify({ version: POLICIES_BENCH_VERSION, env: result.env, episodes: result.replays })}\n`],
  ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(dir, name);
    writeFileAtomicSync(path, text);
    written.push(path);
  }
  return written;
}

function perEpisodeRecords(result: PoliciesBenchResult): Array<Record<string, number | string>> {
  return result.policies.flatMap((row, p) =>
    result.perEpisode[p]!.map((r, i) => ({ policy: row.name, episode: i, sceneSeed: result.episodeList[i]!.sceneSeed, ...r })),
  );
}
