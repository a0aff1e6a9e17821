/**
 * The table `robonav quantize --dtype auto` and `robonav export-web` print: each weight type's
 * size, success and SPL with 95% intervals, and which one was kept.
 */
import type { QuantizationCandidate } from '../eval/quantize.js';

/** A candidate as the commands' JSON lines report it. */
export interface CandidateLine {
  dtype: string;
  weightBytes: number;
  success: number;
  spl: number;
  ci95: { success: [number, number]; spl: [number, number] };
  keepsSpl: boolean;
}

/** The candidates of an 'auto' choice in the commands' JSON form. */
export function candidateLines(candidates: QuantizationCandidate[]): CandidateLine[] {
  return candidates.map((c) => ({
    dtype: c.dtype,
    weightBytes: c.weightBytes,
    success: c.summary.success,
    spl: c.summary.spl,
    ci95: { success: c.summary.ci95.success, spl: c.summary.ci95.spl },
    keepsSpl: c.keepsSpl,
  }));
}

/** The table's lines under a caption line; `kept` is the weight type chosen. */
export function quantizationTable(caption: string, candidates: CandidateLine[], kept: string): string[] {
  const lines = [caption, `${'dtype'.padEnd(9)}${'weights (bytes)'.padStart(16)}   ${'success [95% CI]'.padEnd(22)}SPL [95% CI]`];
  for (const c of candidates) {
    const mark = c.dtype === kept ? '  ← kept' : c.keepsSpl ? '' : '  (SPL outside float32 interval)';
    lines.push(
      `${c.dtype.padEnd(9)}${c.weightBytes.toLocaleString('en-US').padStart(16)}   ${interval(c.success, c.ci95.success).padEnd(22)}${interval(c.spl, c.ci95.spl)}${mark}`,
    );
  }
  return lines;
}

function interval(mean: number, [lo, hi]: [number, number]): string {
  return `${mean.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
}
