/**
 * What `robonav report` reads from the run directories it is given:
 *
 * - learning curves: `metrics.jsonl` of the run, or of each `seed-N/` below it (`robonav train
 *   --seeds`), one JSON object per update as `src/runs/MetricsWriter.ts` writes it (`step`, `time` in Unix
 *   seconds, `sps`, `episodeReturn`, `success`, evaluation figures…), parsed with the viewer's
 *   `parseMetricsLine`;
 * - benchmark tables: `policies.json` written by `robonav bench policies --out`;
 * - replays: `replays.json` from the same command, and `.rec` recordings (`--record`).
 *
 * `policies.json` and `replays.json` are validated by the zod schemas below (through
 * `readJsonFile`): a malformed one is a `FileFormatError` naming the file and the field, never a
 * crash while the page is drawn.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { readJsonFile } from '../../core/jsonFile.js';
import { parseMetricsLine } from '../../runs/MetricsLog.js';
import type { MetricPoint } from '../../stream/protocol.js';
import { Recording } from '../../runs/Recording.js';
import { SceneSpecSchema, type SceneSpec } from '../../sim/SceneSpec.js';
import { POLICIES_BENCH_VERSION, type PoliciesBenchSummary } from '../bench/policiesBench.js';
import { EVAL_METRICS, type EvalMetric } from '../evaluate.js';

/** One training run of one seed. */
export interface SeedLog {
  /** `seed-3` for a multi-seed run, else the run's name. */
  label: string;
  points: MetricPoint[];
}

/** A run as the report shows it: one name, one or more seeds. */
export interface RunLogs {
  name: string;
  dir: string;
  seeds: SeedLog[];
}

/** A `policies.json` table and the directory it came from. */
export interface BenchTable extends PoliciesBenchSummary {
  source: string;
}

/** A top-down replay: a scene and the paths drawn over it. */
export interface ReplayView {
  title: string;
  scene: SceneSpec;
  goals: Array<[number, number]>;
  shortestPath: Array<[number, number]>;
  paths: Array<{ label: string; points: number[]; success: number | null; spl: number | null }>;
}

/** A figure of a table or a path; JSON writes NaN as null, read back as NaN. */
const figure = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);
const point = z.tuple([z.number(), z.number()]);

/** The same schema for every evaluation metric (the columns of a table). */
function perMetric<T extends z.ZodType>(schema: T): Record<EvalMetric, T> {
  return Object.fromEntries(EVAL_METRICS.map((key) => [key, schema])) as Record<EvalMetric, T>;
}

/** `policies.json` as `writeBenchOutputs` writes it (its per-episode records are for other tools). */
const PoliciesFileSchema = z.object({
  version: z.literal(POLICIES_BENCH_VERSION),
  env: z.string(),
  split: z.string(),
  episodes: z.number().int().nonnegative(),
  seed: z.number().int(),
  resamples: z.number().int().positive(),
  policies: z.array(z.object({ name: z.string(), ...perMetric(figure), ci: z.object(perMetric(z.tuple([figure, figure]))) })),
});

/** `replays.json` as `writeBenchOutputs` writes it: the fields of each ReplayEpisode the report draws. */
const ReplaysFileSchema = z.object({
  version: z.literal(POLICIES_BENCH_VERSION),
  env: z.string().optional(),
  episodes: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      sceneSeed: z.number().int(),
      scene: SceneSpecSchema,
      goals: z.array(point),
      shortestPath: z.array(point),
      paths: z.array(z.object({ policy: z.string(), points: z.array(z.number()), success: figure, spl: figure })),
    }),
  ),
});

/** Seed directories are named like this by `robonav train --seeds`. */
const SEED_DIR = /^seed-(\d+)$/;

/**
 * The points of a metrics.jsonl. Evaluation lines (`"type": "eval"`, logged by `robonav train`
 * between updates) carry success/spl/return of the val split: their figures are renamed `eval/KEY`
 * so they never mix with the training figures of the same name.
 */
function readMetrics(file: string): MetricPoint[] {
  const points: MetricPoint[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const point = line.trim() === '' ? null : parseMetricsLine(line, i);
      if (point === null) return;
      if (/"type"\s*:\s*"eval"/.test(line))
        point.values = Object.fromEntries(Object.entries(point.values).map(([k, v]) => [`eval/${k}`, v]));
      points.push(point);
    });
  return points;
}

/** The learning curves of a run directory (with or without seed-N/ subdirectories). @throws UsageError naming the directory */
export function loadRun(dir: string): RunLogs {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such run directory`);
  const name = basename(dir.replace(/\/+$/, '')) || dir;
  const seeds = readdirSync(dir)
    .map((entry) => ({ entry, m: SEED_DIR.exec(entry) }))
    .filter(({ entry, m }) => m !== null && existsSync(join(dir, entry, 'metrics.jsonl')))
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map(({ entry }) => ({ label: entry, points: readMetrics(join(dir, entry, 'metrics.jsonl')) }));
  if (seeds.length === 0 && existsSync(join(dir, 'metrics.jsonl')))
    seeds.push({ label: name, points: readMetrics(join(dir, 'metrics.jsonl')) });
  if (seeds.length === 0) throw new UsageError(`${dir}: no metrics.jsonl (nor seed-N/metrics.jsonl) to draw learning curves from`);
  return { name, dir, seeds };
}

/** `policies.json` of a directory, or null when there is none. @throws FileFormatError for a malformed one */
export function loadBenchTable(dir: string): BenchTable | null {
  const file = join(dir, 'policies.json');
  if (!existsSync(file)) return null;
  const { env, split, episodes, seed, resamples, policies } = readJsonFile(file, PoliciesFileSchema);
  return { source: file, env, split, episodes, seed, resamples, policies };
}

/** Replays of a directory: `replays.json`, then every `.rec` directly in it or one level down. */
export function loadReplays(dir: string, limit: number): ReplayView[] {
  const views: ReplayView[] = [];
  const file = join(dir, 'replays.json');
  if (existsSync(file)) {
    const json = readJsonFile(file, ReplaysFileSchema);
    for (const e of json.episodes) {
      views.push({
        title: `${json.env ?? ''} episode ${e.index} (scene ${e.sceneSeed})`,
        scene: e.scene,
        goals: e.goals,
        shortestPath: e.shortestPath,
        paths: e.paths.map((p) => ({ label: p.policy, points: p.points, success: p.success, spl: p.spl })),
      });
    }
  }
  for (const rec of recordingsIn(dir)) {
    if (views.length >= limit) break;
    for (const episode of Recording.read(rec).episodes) {
      if (views.length >= limit) break;
      const scene = episode.scene(episode.steps);
      const end = episode.end();
      views.push({
        title: `${basename(rec)} episode ${episode.index}`,
        scene: scene.spec,
        goals: scene.goals,
        shortestPath: scene.shortestPath,
        paths: [
          { label: basename(rec, '.rec'), points: scene.trail ?? [], success: end.metrics.success ?? null, spl: end.metrics.spl ?? null },
        ],
      });
    }
  }
  return views.slice(0, limit);
}

function recordingsIn(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (entry.endsWith('.rec')) out.push(full);
    else if (statSync(full).isDirectory()) {
      for (const inner of readdirSync(full).sort()) if (inner.endsWith('.rec')) out.push(join(full, inner));
    }
  }
  return out;
}
