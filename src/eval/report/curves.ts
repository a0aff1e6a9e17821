/**
 * Learning curves across seeds: each seed's curve of a metric, against env steps or wall-clock
 * seconds, resampled onto one grid so seeds can be summarised point by point as a mean line with a
 * min–max band.
 *
 * The grid spans [0, the shortest seed's last x]: beyond it some seeds have no data, and a band
 * that silently narrows to the seeds that ran longest would overstate agreement.
 */
import type { MetricPoint } from '../../stream/protocol.js';
import type { RunLogs } from './runs.js';

/** The curves a report draws, each found under the first key of its list that a run logs. */
export const CURVE_METRICS = [
  // Training return (mean of the last episodes) is the usual RL curve; success and SPL come from the
  // periodic val evaluations when the run has them (held-out scenes, the actions as the run's evaluations chose them).
  { id: 'return', title: 'Episode return', keys: ['episodeReturn', 'eval/return', 'return'] },
  { id: 'success', title: 'Success rate', keys: ['eval/success', 'success'] },
  { id: 'spl', title: 'SPL', keys: ['eval/spl', 'spl'] },
] as const;

export type CurveMetric = (typeof CURVE_METRICS)[number]['id'];
export type CurveAxis = 'steps' | 'seconds';

/** x and y of one seed's curve. */
export interface SeedCurve {
  label: string;
  x: Float64Array;
  y: Float64Array;
}

/** One run's curve of one metric: the seeds, and their mean / min / max on a common grid. */
export interface RunCurve {
  run: string;
  /** The metrics.jsonl key the curve was read from. */
  key: string;
  seeds: SeedCurve[];
  grid: Float64Array;
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

/** Grid points per summarised curve. */
const GRID_POINTS = 100;

/**
 * Wall-clock seconds since the run started at each point: `time` (Unix s) minus the first timed
 * point's, plus that point's own update duration (step / sps); without any `time`, the running sum
 * of Δstep / sps. A point without either (an evaluation line) takes the time of the point before it.
 * NaN before the first point that has a clock.
 */
export function elapsedSeconds(points: readonly MetricPoint[]): Float64Array {
  const out = new Float64Array(points.length).fill(NaN);
  const timed = points.find((p) => Number.isFinite(p.values.time));
  let t = NaN;
  let step = 0;
  points.forEach((p, i) => {
    const { time, sps } = p.values;
    if (timed && Number.isFinite(time)) {
      const firstUpdate = timed.values.sps! > 0 ? timed.step / timed.values.sps! : 0;
      t = time! - timed.values.time! + firstUpdate;
    } else if (!timed && sps! > 0) {
      t = (Number.isNaN(t) ? 0 : t) + (p.step - step) / sps!;
      step = p.step;
    }
    out[i] = t;
  });
  return out;
}

/** The key under which a run's seeds log `metric` (the first candidate every seed has), or null. */
export function metricKey(run: RunLogs, metric: CurveMetric): string | null {
  const candidates = CURVE_METRICS.find((m) => m.id === metric)!.keys;
  return candidates.find((key) => run.seeds.every((s) => s.points.some((p) => Number.isFinite(p.values[key])))) ?? null;
}

/** Value of the piecewise-linear curve (x ascending) at `at`. */
function interpolate(x: Float64Array, y: Float64Array, at: number): number {
  if (at <= x[0]!) return y[0]!;
  let lo = 0;
  let hi = x.length - 1;
  if (at >= x[hi]!) return y[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= at) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span > 0 ? y[lo]! + ((at - x[lo]!) / span) * (y[hi]! - y[lo]!) : y[hi]!;
}

/** A run's curve of `metric` against `axis`, or null when the run does not log it (or has no clock). */
export function runCurve(run: RunLogs, metric: CurveMetric, axis: CurveAxis): RunCurve | null {
  const key = metricKey(run, metric);
  if (key === null) return null;
  const seeds: SeedCurve[] = [];
  for (const seed of run.seeds) {
    const xs = axis === 'steps' ? Float64Array.from(seed.points, (p) => p.step) : elapsedSeconds(seed.points);
    const x: number[] = [];
    const y: number[] = [];
    seed.points.forEach((p, i) => {
      const v = p.values[key];
      // Points out of order (a resumed run re-logging an update) are dropped, keeping x ascending.
      if (v !== undefined && Number.isFinite(v) && Number.isFinite(xs[i]!) && (x.length === 0 || xs[i]! > x[x.length - 1]!)) {
        x.push(xs[i]!);
        y.push(v);
      }
    });
    if (x.length === 0) return null;
    seeds.push({ label: seed.label, x: Float64Array.from(x), y: Float64Array.from(y) });
  }
  const end = Math.min(...seeds.map((s) => s.x[s.x.length - 1]!));
  const start = Math.max(...seeds.map((s) => s.x[0]!));
  const n = end > start ? GRID_POINTS : 1;
  const grid = Float64Array.from({ length: n }, (_, i) => (n === 1 ? end : start + ((end - start) * i) / (n - 1)));
  const mean = new Float64Array(n);
  const min = new Float64Array(n).fill(Infinity);
  const max = new Float64Array(n).fill(-Infinity);
  for (const s of seeds) {
    for (let i = 0; i < n; i++) {
      const v = interpolate(s.x, s.y, grid[i]!);
      mean[i] += v / seeds.length;
      if (v < min[i]!) min[i] = v;
      if (v > max[i]!) max[i] = v;
    }
  }
  return { run: run.name, key, seeds, grid, mean, min, max };
}
