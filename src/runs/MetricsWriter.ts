/**
 * The writer of a run's `metrics.jsonl`: one JSON object per line, appended as it happens — a line
 * per update (`learn()`'s record) and a line per evaluation (`"type": "eval"`). `MetricsLog.ts`
 * reads the file back. As a training callback it writes every update's record.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MetricRecord, TrainingCallback, UpdateRecord } from '../../agents/common/callbacks.js';

/** The file name of a run's metrics log. */
export const METRICS_FILE = 'metrics.jsonl';

/** Appends metrics records to `<dir>/metrics.jsonl`; as a callback, every update's record. */
export class MetricsWriter implements TrainingCallback {
  /** The file written: `<dir>/metrics.jsonl`. */
  readonly file: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, METRICS_FILE);
  }

  /** Append one record; it must carry the env `step` it belongs to. */
  write(record: MetricRecord & { step: number }): void {
    fs.appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }

  onUpdate(record: UpdateRecord): void {
    this.write(record);
  }
}
