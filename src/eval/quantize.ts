/**
 * Compressing a saved policy, by a fixed weight type or by measurement: `compressPolicy(src, out,
 * { dtype: 'auto', env })` evaluates the float32 policy and its float16 and uint8 copies on the
 * same fixed episodes with the same seed, and keeps the smallest copy whose SPL mean lies inside
 * the float32 policy's 95% interval (float32 itself when neither does). `robonav quantize` and
 * `robonav export-web --quantize` both call it.
 *
 * ```ts
 * const result = await compressPolicy('runs/ppo/checkpoints/000120/policy', 'site/policy', {
 *   dtype: 'auto', env: 'PointNav-v0', episodes: 200,
 * });
 * result.dtype;       // 'uint8' | 'float16' | 'float32'
 * result.candidates;  // one evaluation per weight type ('auto' only)
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import type { Split } from '../../envs/episodes.js';
import { make } from '../../envs/registry.js';
import { checkQuantizeTarget, quantizePolicy, type QuantizedPolicy, type WeightDtype } from '../../agents/common/savedPolicy.js';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { FileFormatError } from '../core/errors.js';
import { evaluate, type EvaluationSummary } from './evaluate.js';

/** The weight types `auto` compares, largest first. */
export const WEIGHT_DTYPES = ['float32', 'float16', 'uint8'] as const satisfies readonly WeightDtype[];
/** A weight type, or `auto`: the smallest that keeps the policy's test SPL. */
export type QuantizeChoice = WeightDtype | 'auto';
/** Every value `compressPolicy`'s `dtype` takes, as the CLI lists them. */
export const QUANTIZE_CHOICES = ['float16', 'uint8', 'float32', 'auto'] as const satisfies readonly QuantizeChoice[];

/** How `compressPolicy` stores the weights, and for `auto` how it evaluates the candidates. */
export interface CompressOptions {
  dtype: QuantizeChoice;
  /** Registered env id the policy runs in ('auto' only). */
  env?: string;
  /** Options of `make(env, …)` (the policy's training options). @default {} */
  envOptions?: Record<string, unknown>;
  /** Episode split of the fixed episodes. @default 'test' */
  split?: Split;
  /** Number of fixed episodes. @default 200 */
  episodes?: number;
  /** Seed of the policy's sampling and the env noise (episode i is reset with seed + i). @default 0 */
  seed?: number;
  /** Take the most likely action instead of sampling one. @default false */
  deterministic?: boolean;
  /** Called after each episode of each candidate (progress output). */
  onEpisode?: (dtype: WeightDtype, index: number, total: number) => void;
}

/** One weight type's evaluation. */
export interface QuantizationCandidate {
  dtype: WeightDtype;
  /** Size of the weights file (bytes). */
  weightBytes: number;
  summary: EvaluationSummary;
  /** Its SPL mean lies inside the float32 policy's 95% interval. */
  keepsSpl: boolean;
}

/** What `compressPolicy` wrote, and with `auto` the evaluations it chose by. */
export interface CompressResult extends QuantizedPolicy {
  /** float32, float16 and uint8 on the same episodes ('auto'), else null. */
  candidates: QuantizationCandidate[] | null;
}

/**
 * Write a copy of the policy folder `srcDir` into `outDir` with its weights stored as
 * `options.dtype`; with `'auto'`, as the smallest weight type whose SPL mean on the fixed episodes
 * lies inside the float32 policy's 95% interval.
 *
 * @throws UsageError for a bad `outDir` or a policy that does not fit `options.env`, or (`auto`) no env.
 * @throws FileFormatError naming the source file that is missing or malformed.
 */
export async function compressPolicy(srcDir: string, outDir: string, options: CompressOptions): Promise<CompressResult> {
  if (options.dtype !== 'auto') return { ...(await quantizePolicy(srcDir, outDir, options.dtype)), candidates: null };
  await checkQuantizeTarget(srcDir, outDir);
  const candidates = await compareQuantizations(srcDir, options);
  const chosen = candidates.filter((c) => c.keepsSpl).reduce((best, c) => (c.weightBytes < best.weightBytes ? c : best), candidates[0]!);
  return { ...(await quantizePolicy(srcDir, outDir, chosen.dtype)), candidates };
}

/**
 * Evaluate the policy folder `srcDir` with float32, float16 and uint8 weights on the same fixed
 * episodes and seed (each copy written to a temporary folder, removed afterwards). A weight type
 * that cannot hold the weights (float16 beyond ±65504) is left out.
 */
export async function compareQuantizations(srcDir: string, options: Omit<CompressOptions, 'dtype'>): Promise<QuantizationCandidate[]> {
  if (options.env === undefined) throw new TypeError('compareQuantizations needs the env id the policy runs in');
  const env = make(options.env, options.envOptions ?? {});
  const scratch = await mkdtemp(path.join(tmpdir(), 'robonav-quantize-'));
  try {
    const { episodes } = fixedEpisodes(options.env, env, { split: options.split ?? 'test', count: options.episodes ?? 200 });
    const rows: Array<Omit<QuantizationCandidate, 'keepsSpl'>> = [];
    for (const dtype of WEIGHT_DTYPES) {
      let copy: QuantizedPolicy;
      try {
        copy = await quantizePolicy(srcDir, path.join(scratch, dtype), dtype);
      } catch (err) {
        // A weight type that cannot hold the weights (float16 beyond ±65504) is no candidate.
        if (dtype !== 'float32' && err instanceof FileFormatError) continue;
        throw err;
      }
      const policy = await TrainedPolicy.load(copy.dir, { seed: options.seed ?? 0, stochastic: options.deterministic !== true });
      try {
        policy.checkEnv(env);
        const { summary } = await evaluate(env, policy, episodes, {
          seed: options.seed ?? 0,
          onEpisode: (_, i) => options.onEpisode?.(dtype, i, episodes.length),
        });
        rows.push({ dtype, weightBytes: copy.weightBytes, summary });
      } finally {
        policy.dispose();
      }
    }
    const [lo, hi] = rows[0]!.summary.ci95.spl;
    return rows.map((row) => ({ ...row, keepsSpl: row.summary.spl >= lo && row.summary.spl <= hi }));
  } finally {
    env.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
