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
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { MetricPoint } from '../stream/protocol.js';

/** The most of the log one poll reads (bytes); the rest comes with the next polls. */
const MAX_READ_BYTES = 16 * 1024 * 1024;
/** A line longer than this (characters) is no metrics line: it is dropped rather than buffered. */
const MAX_LINE_CHARS = 1024 * 1024;
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

/**
 * Follows a growing metrics.jsonl: each `poll()` returns the points of the lines appended since the
 * last one. A log that is truncated, replaced or gone for a while (a restarted run) is read again
 * from its start. A huge log is read in slices of MAX_READ_BYTES and a line that never ends is
 * dropped once it outgrows MAX_LINE_CHARS, so a poll holds about one slice in memory.
 */
export class MetricsLogTail {
  /**
   * The file being followed (inode and creation time: a deleted file's inode is soon reused), or ''
   * after a poll that found no readable file: whatever is at the path next is read from its start.
   */
  private identity = '';
  private offset = 0;
  private lines = 0;
  private partial = '';
  /** The current line outgrew MAX_LINE_CHARS: drop the rest of it, up to its newline. */
  private skipping = false;
  /** Keeps a UTF-8 character split between two reads whole. */
  private decoder = new StringDecoder('utf8');

  constructor(readonly path: string) {}

  /**
   * New points since the last call ([] when the file is missing or unchanged).
   * @throws the file system's error when the log exists but cannot be read (permissions, a directory in its place)
   */
  poll(): MetricPoint[] {
    let text: string;
    try {
      text = this.readNew();
    } catch (err) {
      this.identity = '';
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parts = (this.partial + text).split('\n');
    // The last part has no newline yet: keep it for the next poll, unless it is too long to be a metrics line.
    this.partial = parts.pop() ?? '';
    const points: MetricPoint[] = [];
    for (const [i, line] of parts.entries()) {
      if (i === 0 && this.skipping) {
        this.skipping = false;
        continue;
      }
      if (line.trim() === '') continue;
      const point = parseMetricsLine(line, this.lines++);
      if (point !== null) points.push(point);
    }
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = '';
      this.skipping = true;
    }
    return points;
  }

  /** The text appended since the last read, at most MAX_READ_BYTES of it. */
  private readNew(): string {
    // Non-blocking: a FIFO put in the log's place must not stall the caller in open().
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      // The open file's own stat: the path may be replaced between two system calls, the fd is not.
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new Error('not a regular file');
      const identity = `${stat.ino}@${stat.birthtimeMs}`;
      if (identity !== this.identity || stat.size < this.offset) this.restart(identity);
      const length = Math.min(stat.size - this.offset, MAX_READ_BYTES);
      if (length === 0) return '';
      const chunk = Buffer.alloc(length);
      // Fewer bytes than asked for when the file shrank since fstat: take only those.
      const read = readSync(fd, chunk, 0, length, this.offset);
      this.offset += read;
      return this.decoder.write(chunk.subarray(0, read));
    } finally {
      closeSync(fd);
    }
  }

  private restart(identity: string): void {
    this.identity = identity;
    this.offset = 0;
    this.lines = 0;
    this.partial = '';
    this.skipping = false;
    this.decoder = new StringDecoder('utf8');
  }
}
