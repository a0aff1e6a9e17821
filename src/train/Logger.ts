/**
 * Training metrics: one JSON object per update appended to `metrics.jsonl`, and a live progress
 * bar (cli-progress) on standard error with steps, SPS, mean episode return, success and ETA.
 * The bar only draws on a terminal; in CI and pipes the metrics file is the record.
 */
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';

export type MetricRecord = Record<string, number | string | null>;

export interface LoggerOptions {
  /** Directory for `metrics.jsonl`; none → metrics are not written. */
  dir?: string;
  /** Draw the progress bar (when standard error is a terminal). @default true */
  progress?: boolean;
  /** Total env steps of the run (the bar's end). */
  totalSteps: number;
  /** Env steps already done (resumed runs). @default 0 */
  startStep?: number;
}

export class Logger {
  readonly file: string | null;
  private readonly bar: cliProgress.SingleBar | null;

  constructor(options: LoggerOptions) {
    this.file = options.dir ? path.join(options.dir, 'metrics.jsonl') : null;
    if (options.dir) fs.mkdirSync(options.dir, { recursive: true });
    const draw = (options.progress ?? true) && process.stderr.isTTY === true;
    this.bar = draw
      ? new cliProgress.SingleBar(
          {
            format: 'train |{bar}| {value}/{total} steps | {sps} SPS | return {ret} | success {success} | ETA {eta_formatted}',
            stream: process.stderr,
            hideCursor: true,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar?.start(options.totalSteps, options.startStep ?? 0, { sps: '-', ret: '-', success: '-' });
  }

  /** Append one record (must carry `step`) and move the bar. */
  log(record: MetricRecord & { step: number }): void {
    if (this.file) fs.appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    this.bar?.update(record.step, {
      sps: typeof record.sps === 'number' ? Math.round(record.sps) : '-',
      ret: typeof record.episodeReturn === 'number' ? record.episodeReturn.toFixed(2) : '-',
      success: typeof record.success === 'number' ? record.success.toFixed(2) : '-',
    });
  }

  close(): void {
    this.bar?.stop();
  }
}
