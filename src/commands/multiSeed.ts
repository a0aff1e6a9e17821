/**
 * `robonav train --seeds 1,2,3 --out runs/NAME`: the same training once per seed, one after
 * another, into runs/NAME/seed-1, runs/NAME/seed-2, … so curves and tables can show the spread
 * across seeds instead of one lucky run. `robonav report runs/NAME` draws the seeds as a band.
 *
 * One after another rather than side by side: each run already uses every core (worker envs plus
 * the learner), so parallel seeds would only slow each other down and skew their wall-clock curves.
 * Every seed directory is checked before the first run starts, so a clash writes nothing.
 */
import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { loadRun } from '../eval/report/runs.js';
import { hasRunFile } from '../runs/runFile.js';

/** The flags of `robonav train` that the multi-seed driver reads or sets. */
export interface SeedFlags {
  seeds?: number[];
  seed?: number;
  out?: string;
  resume?: string;
  json?: boolean;
}

/** The directory of one seed's run under the multi-seed run directory. */
export function seedDir(out: string, seed: number): string {
  return join(out, `seed-${seed}`);
}

/** Last logged figures of one seed: training (rolling) and the last val evaluation. */
export interface SeedSummary {
  seed: number;
  out: string;
  step: number | null;
  episodeReturn: number | null;
  success: number | null;
  eval: { success: number | null; spl: number | null; return: number | null };
}

/**
 * Train once per seed with `trainOne(flags with seed and out set)`. With `json`, the last line of
 * standard output is one JSON object: {"out", "seeds": [SeedSummary…]}.
 */
export async function trainSeeds<F extends SeedFlags>(flags: F, trainOne: (flags: F) => Promise<void>): Promise<SeedSummary[]> {
  const seeds = flags.seeds ?? [];
  if (seeds.length === 0) throw new UsageError('--seeds: give at least one seed, e.g. --seeds 1,2,3');
  if (flags.seed !== undefined) throw new UsageError('--seeds and --seed exclude each other');
  if (flags.resume !== undefined) throw new UsageError('--seeds cannot be combined with --resume (resume one seed: --resume DIR/seed-N)');
  if (flags.out === undefined) throw new UsageError('--seeds needs --out DIR (the runs go to DIR/seed-N)');
  const out = flags.out;
  const seen = new Set<number>();
  for (const seed of seeds) {
    if (seen.has(seed)) throw new UsageError(`--seeds: seed ${seed} is listed twice`);
    seen.add(seed);
    if (hasRunFile(seedDir(out, seed)))
      throw new UsageError(`--out ${out}: ${seedDir(out, seed)} already holds a run; choose another --out`);
  }
  for (const [k, seed] of seeds.entries()) {
    if (!flags.json) process.stderr.write(`robonav train: seed ${seed} (${k + 1}/${seeds.length}) → ${seedDir(out, seed)}\n`);
    await trainOne({ ...flags, seeds: undefined, seed, out: seedDir(out, seed) });
  }
  const summaries = summarizeSeeds(out, seeds);
  if (flags.json) process.stdout.write(`${JSON.stringify({ out, seeds: summaries })}\n`);
  return summaries;
}

/** The last training and evaluation figures of each seed's metrics.jsonl. */
export function summarizeSeeds(out: string, seeds: readonly number[]): SeedSummary[] {
  const logs = loadRun(out).seeds;
  return seeds.map((seed) => {
    const points = logs.find((s) => s.label === `seed-${seed}`)?.points ?? [];
    const last = (key: string): number | null => {
      for (let i = points.length - 1; i >= 0; i--) if (Number.isFinite(points[i]!.values[key])) return points[i]!.values[key]!;
      return null;
    };
    return {
      seed,
      out: seedDir(out, seed),
      step: points.length > 0 ? points[points.length - 1]!.step : null,
      episodeReturn: last('episodeReturn'),
      success: last('success'),
      eval: { success: last('eval/success'), spl: last('eval/spl'), return: last('eval/return') },
    };
  });
}

/** Commander parser for `--seeds 1,2,3`: distinct integers ≥ 0. */
export function seedListOption(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const seeds = parts.map(Number);
  if (parts.some((s) => s === '') || seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw new InvalidArgumentError(`expected a comma-separated list of integers >= 0, got "${value}"`);
  return seeds;
}
