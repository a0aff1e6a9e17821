/**
 * The table of a hyperparameter sweep: for each arm (one config, several seeds), val success at
 * fixed step budgets and the steps and minutes each seed needed to first reach a val success
 * threshold, read from the seeds' `metrics.jsonl` as `robonav train` writes them (a line per
 * update with `step`, `time`, `sps`; a line per val evaluation with `"type": "eval"`).
 *
 * Figures across seeds are the mean with the range [min, max]: with three seeds a bootstrap
 * interval says little more than the range, and the range hides nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_FILE } from '../runs/MetricsWriter.js';

/** One arm of a sweep: its name, its config overrides and where its seeds' runs are (`<dir>/seed-N`). */
export interface SweepArm {
  name: string;
  overrides: Record<string, unknown>;
  dir: string;
}

/** A figure over seeds: the mean and the range, over the seeds that have it (`seeds`). */
export interface SeedSpread {
  mean: number;
  min: number;
  max: number;
  seeds: number;
}

/** One arm's row of the sweep table. */
export interface SweepRow {
  arm: string;
  overrides: Record<string, unknown>;
  /** Val success of the last evaluation at or before each budget (keyed by the budget in steps). */
  atBudget: Record<string, SeedSpread | null>;
  /** Per threshold: env steps and training minutes to the first val evaluation at or above it, over the seeds that reached it. */
  toThreshold: Record<string, { steps: SeedSpread | null; minutes: SeedSpread | null; reached: number }>;
  /** The last val evaluation of each seed. */
  finalSuccess: SeedSpread | null;
  finalSpl: SeedSpread | null;
  /** Training env steps per second over the whole run (updates only, evaluations excluded). */
  sps: SeedSpread | null;
  /** Seeds with a metrics log. */
  seeds: number;
}

/** What a seed's metrics log says about its val evaluations. */
interface SeedCurve {
  /** Val evaluations in step order: step, success, SPL, training minutes at that step. */
  evals: { step: number; success: number; spl: number; minutes: number }[];
  sps: number;
}

/** The sweep table over `arms`, each with seeds `seeds`. */
export function tabulateSweep(
  arms: readonly SweepArm[],
  seeds: readonly number[],
  budgets: readonly number[],
  thresholds: readonly number[],
): SweepRow[] {
  return arms.map((arm) => {
    const curves = seeds.map((seed) => readSeedCurve(join(arm.dir, `seed-${seed}`))).filter((c): c is SeedCurve => c !== null);
    const atBudget: SweepRow['atBudget'] = {};
    for (const budget of budgets) {
      atBudget[String(budget)] = spread(curves.map((c) => lastAtOrBefore(c, budget)?.success ?? null));
    }
    const toThreshold: SweepRow['toThreshold'] = {};
    for (const threshold of thresholds) {
      const hits = curves.map((c) => c.evals.find((e) => e.success >= threshold) ?? null);
      toThreshold[String(threshold)] = {
        steps: spread(hits.map((h) => h?.step ?? null)),
        minutes: spread(hits.map((h) => h?.minutes ?? null)),
        reached: hits.filter((h) => h !== null).length,
      };
    }
    const finals = curves.map((c) => c.evals.at(-1) ?? null);
    return {
      arm: arm.name,
      overrides: arm.overrides,
      atBudget,
      toThreshold,
      finalSuccess: spread(finals.map((f) => f?.success ?? null)),
      finalSpl: spread(finals.map((f) => f?.spl ?? null)),
      sps: spread(curves.map((c) => c.sps)),
      seeds: curves.length,
    };
  });
}

/** The sweep table as Markdown: one row per arm; figures are `mean [min, max]` over seeds. */
export function sweepMarkdown(rows: readonly SweepRow[], budgets: readonly number[], thresholds: readonly number[]): string {
  const header = [
    'arm',
    'overrides',
    'seeds',
    ...budgets.map((b) => `val success @ ${formatSteps(b)}`),
    ...thresholds.map((t) => `steps to ${t} (reached)`),
    ...thresholds.map((t) => `minutes to ${t}`),
    'final val success',
    'final val SPL',
    'SPS',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const cells = [
      row.arm,
      `\`${JSON.stringify(row.overrides)}\``,
      String(row.seeds),
      ...budgets.map((b) => formatSpread(row.atBudget[String(b)] ?? null, 2)),
      ...thresholds.map((t) => {
        const hit = row.toThreshold[String(t)]!;
        return `${formatSpread(hit.steps, 0)} (${hit.reached}/${row.seeds})`;
      }),
      ...thresholds.map((t) => formatSpread(row.toThreshold[String(t)]!.minutes, 1)),
      formatSpread(row.finalSuccess, 2),
      formatSpread(row.finalSpl, 2),
      formatSpread(row.sps, 0),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Val evaluations and SPS of one seed's run, or null when it has no metrics log yet. */
function readSeedCurve(runDir: string): SeedCurve | null {
  const file = join(runDir, METRICS_FILE);
  if (!existsSync(file)) return null;
  const updates: { step: number; time: number; seconds: number }[] = [];
  const evals: { step: number; success: number; spl: number }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const record = parseRecord(line);
    if (record === null || typeof record.step !== 'number') continue;
    if (record.type === 'eval') {
      if (typeof record.success === 'number' && typeof record.spl === 'number')
        evals.push({ step: record.step, success: record.success, spl: record.spl });
    } else if (typeof record.time === 'number' && typeof record.sps === 'number' && record.sps > 0) {
      const previous = updates.at(-1)?.step ?? 0;
      updates.push({ step: record.step, time: record.time, seconds: (record.step - previous) / record.sps });
    }
  }
  if (updates.length === 0) return null;
  // Training time at an update: the sum of update durations up to it (evaluations and pauses between resumes excluded).
  const elapsed: number[] = [];
  let total = 0;
  for (const u of updates) {
    total += u.seconds;
    elapsed.push(total);
  }
  const minutesAt = (step: number): number => {
    const i = updates.findIndex((u) => u.step >= step);
    return (i === -1 ? total : elapsed[i]!) / 60;
  };
  return {
    evals: evals.map((e) => ({ ...e, minutes: minutesAt(e.step) })),
    sps: updates.at(-1)!.step / total,
  };
}

function parseRecord(line: string): Record<string, unknown> | null {
  if (line.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function lastAtOrBefore(curve: SeedCurve, budget: number): SeedCurve['evals'][number] | null {
  let last = null;
  for (const e of curve.evals) if (e.step <= budget) last = e;
  return last;
}

function spread(values: readonly (number | null)[]): SeedSpread | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return null;
  return {
    mean: present.reduce((a, b) => a + b, 0) / present.length,
    min: Math.min(...present),
    max: Math.max(...present),
    seeds: present.length,
  };
}

function formatSpread(s: SeedSpread | null, digits: number): string {
  if (s === null) return '–';
  const f = (v: number): string => v.toFixed(digits);
  return s.seeds === 1 ? f(s.mean) : `${f(s.mean)} [${f(s.min)}, ${f(s.max)}]`;
}

function formatSteps(steps: number): string {
  if (steps >= 1e6 && steps % 1e5 === 0) return `${steps / 1e6}M`;
  if (steps >= 1e3 && steps % 1e3 === 0) return `${steps / 1e3}k`;
  return String(steps);
}
