/**
 * Evaluation on fixed episodes: run a policy once on each episode of a list (a dataset of a split),
 * collect the final-info metrics and the return, and summarise them as means with 95% confidence
 * intervals (percentile bootstrap, `src/eval/bootstrap.ts`).

 *
 * Episode i is reset with seed `seed + i`, so a result does not depend on the order or on which
 * episodes ran before it: the policy's sampling stream restarts for each episode from its own seed
 * mixed with the episode's (`Policy.reset(seed)`).
 */
import type { Env, Info } from '../core/Env.js';
import type { Policy } from '../core/Policy.js';
import type { EpisodeSpec } from '../../envs/episodes.js';
import { bootstrapMeanCI, mean } from './bootstrap.js';

/** The figures an evaluation reports per episode and as means. */
export const EVAL_METRICS = ['success', 'spl', 'softSpl', 'return', 'collisions', 'pathLength', 'steps'] as const;
/** One of the figures an evaluation reports. */
export type EvalMetric = (typeof EVAL_METRICS)[number];

/** Column headings of the metrics in tables (terminal, Markdown, HTML report). */
export const EVAL_METRIC_LABELS: Record<EvalMetric, string> = {
  success: 'success',
  spl: 'SPL',
  softSpl: 'soft-SPL',
  return: 'return',
  collisions: 'collisions',
  pathLength: 'path (m)',
  steps: 'steps',
};

/** One episode's figures: the evaluation metrics and the final distance to the goal (m). */
export type EpisodeResult = Record<EvalMetric, number> & { distanceToGoal: number };

/** The mean of every metric over the episodes, with 95% percentile-bootstrap intervals. */
export interface EvaluationSummary extends Record<EvalMetric, number> {
  episodes: number;
  /** [low, high] of the 95% confidence interval of each mean. */
  ci95: Record<EvalMetric, [number, number]>;
}

/** How `evaluate` seeds its episodes and reports progress. */
export interface EvaluateOptions {
  /** Episode i is reset with seed + i. @default 0 */
  seed?: number;
  /** Called after each episode (progress output). */
  onEpisode?: (result: EpisodeResult, index: number) => void;
}

/** Run `policy` once on every episode; returns per-episode results and their summary. */
export async function evaluate(
  env: Env,
  policy: Policy,
  episodes: readonly EpisodeSpec[],
  options: EvaluateOptions = {},
): Promise<{ results: EpisodeResult[]; summary: EvaluationSummary }> {
  const seed = options.seed ?? 0;
  const results: EpisodeResult[] = [];
  for (const [i, episode] of episodes.entries()) {
    const result = await runEpisode(env, policy, episode, seed + i);
    results.push(result);
    options.onEpisode?.(result, i);
  }
  return { results, summary: summarize(results) };
}

/**
 * Run `policy` on one fixed episode from a reset with `seed` to its end (the policy is reset with the
 * same seed, so its sampled actions depend only on its own seed and this one); `watch` is called after the
 * reset and after every step (e.g. to record the robot's path). The env must put the task metrics in
 * the final info.
 */
export async function runEpisode(env: Env, policy: Policy, episode: EpisodeSpec, seed: number, watch?: () => void): Promise<EpisodeResult> {
  let { obs } = env.reset({ seed, options: { episode } });
  policy.reset(seed);
  watch?.();
  let total = 0;
  for (;;) {
    const step = env.step(await policy.act(obs, env));
    obs = step.obs;
    total += step.reward;
    watch?.();
    if (step.terminated || step.truncated) return episodeResult(step.info, total, seed);
  }
}

function episodeResult(info: Info, total: number, seed: number): EpisodeResult {
  const metric = (key: string): number => {
    const v = info[key];
    if (typeof v !== 'number') throw new Error(`the final info of the episode reset with seed ${seed} has no numeric "${key}"`);
    return v;
  };
  return {
    success: metric('success'),
    spl: metric('spl'),
    softSpl: metric('softSpl'),
    return: total,
    collisions: metric('collisions'),
    pathLength: metric('pathLength'),
    steps: metric('steps'),
    distanceToGoal: metric('distanceToGoal'),
  };
}

/**
 * Means and 95% percentile-bootstrap confidence intervals (seeded, so one set of episodes always gives
 * the same intervals; the same method as `robonav bench policies`). Success is 0/1 and SPL piles up
 * at 0 and 1, so a normal interval (mean ± 1.96·s/√n) would leave [0, 1]; the bootstrap one cannot.
 */
export function summarize(results: readonly EpisodeResult[]): EvaluationSummary {
  const n = results.length;
  if (n === 0) throw new RangeError('summarize: no episodes');
  const summary = { episodes: n } as EvaluationSummary;
  const ci95 = {} as EvaluationSummary['ci95'];
  const columns = EVAL_METRICS.map((key) => Float64Array.from(results, (r) => r[key]));
  const intervals = bootstrapMeanCI(columns);
  EVAL_METRICS.forEach((key, k) => {
    summary[key] = mean(columns[k]!);
    ci95[key] = intervals[k]!;
  });
  // The CIs go last, after the means, in the JSON line.
  summary.ci95 = ci95;
  return summary;
}
