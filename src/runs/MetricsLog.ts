/**
 * Training curves from a run's `metrics.jsonl` (one JSON object per line, written by `robonav train`).
 * `MetricsLogTail` reads what is there and then only what was appended since, so `robonav view
 * runs/NAME` follows a run that is still training in another process.
 *
 * A line's x value is the first of `step`, `steps`, `globalStep`, `envSteps`, `timesteps` that is a
 * number (else the line's index); every other finite number on the line becomes a curve, except
 * bookkeeping fields (time, update, epochs). Lines that
 * are not JSON objects (a half-written last line, stray text) are skipped.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { MetricPoint } from '../stream/protocol.js';

const STEP_KEYS = ['step', 'steps', 'globalStep', 'envSteps', 'timesteps'] as const;
/** Bookkeeping fields that are numbers but not curves worth plotting. */
const NOT_CURVES: ReadonlySet<string> = new Set(['time', 'timestamp', 'update', 'updates', 'epoch', 'epochs']);

/** Parse one JSONL line into a metric point, or null when it holds none. */
export function parseMetricsLine(line: string, index: number): MetricPoint | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const obj = raw as Record<string, unknown>;
  const stepKey = STEP_KEYS.find((k) => typeof obj[k] === 'number' && Number.isFinite(obj[k]));
  const step = stepKey === undefined ? index : (obj[stepKey] as number);
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k !== stepKey && !NOT_CURVES.has(k) && typeof v === 'number' && Number.isFinite(v)) values[k] = v;
  }
  return Object.keys(values).length === 0 ? null : { step, values };
}

/** Follows a growing metrics.jsonl: each `read()` returns the points of the lines appended since the last one. */
export class MetricsLogTail {
  private offset = 0;
  private lines = 0;
  private partial = '';

  constructor(readonly path: string) {}

  /** New points since the last call ([] when the file is missing or unchanged). */
  poll(): MetricPoint[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return [];
    }
    if (size < this.offset) {
      // The file was replaced (a restarted run): read it again from the start.
      this.offset = 0;
      this.lines = 0;
      this.partial = '';
    }
    if (size === this.offset) return [];
    const fd = openSync(this.path, 'r');
    const chunk = Buffer.alloc(size - this.offset);
    try {
      readSync(fd, chunk, 0, chunk.byteLength, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    // The last part has no newline yet: keep it for the next poll.
    this.partial = parts.pop() ?? '';
    const points: MetricPoint[] = [];
    for (const line of parts) {
      if (line.trim() === '') continue;
      const point = parseMetricsLine(line, this.lines++);
      if (point !== null) points.push(point);
    }
    return points;
  }
}
