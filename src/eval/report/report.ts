/**
 * `robonav report`: gather the runs' learning curves, the benchmark tables and the replays found in
 * the run directories and the output directory, and write one self-contained `report.html`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderReport } from './html.js';
import { loadBenchTable, loadReplays, loadRun, type BenchTable, type ReplayView, type RunLogs } from './runs.js';
import { writeFileAtomicSync } from '../../core/atomicWrite.js';

/** What `robonav report` puts in a page: run directories, the output directory, a title and how many replays. */
export interface ReportConfig {
  /** Run directories (each with metrics.jsonl or seed-N/metrics.jsonl). */
  runs: string[];
  /** Output directory; its policies.json / replays.json are shown too. */
  out: string;
  /** Page title. @default 'robonav report' */
  title: string;
  /** Replays shown at most. @default 6 */
  replays: number;
}

/** The defaults: title 'robonav report', at most 6 replays. */
export const DEFAULT_REPORT: Pick<ReportConfig, 'title' | 'replays'> = { title: 'robonav report', replays: 6 };

export interface ReportContents {
  html: string;
  runs: RunLogs[];
  tables: BenchTable[];
  replays: ReplayView[];
}

/** Read everything and render the page (writes nothing). @throws UsageError naming a missing run */
export function buildReport(config: Partial<ReportConfig> & Pick<ReportConfig, 'runs' | 'out'>): ReportContents {
  const c: ReportConfig = { ...DEFAULT_REPORT, ...config };
  const runs = c.runs.map(loadRun);
  // The output directory first (a fresh `bench policies --out`), then each run's; each directory once.
  const dirs = [...new Set([c.out, ...c.runs].map((d) => resolve(d)))].filter((d) => existsSync(d));
  const tables = dirs.map(loadBenchTable).filter((t): t is BenchTable => t !== null);
  const replays: ReplayView[] = [];
  for (const dir of dirs) {
    if (replays.length >= c.replays) break;
    replays.push(...loadReplays(dir, c.replays - replays.length));
  }
  const html = renderReport({ title: c.title, createdAt: new Date().toISOString(), runs, tables, replays });
  return { html, runs, tables, replays };
}

/** Build the report and write `OUT/report.html` atomically; returns its path and what it holds. */
export function writeReport(config: Partial<ReportConfig> & Pick<ReportConfig, 'runs' | 'out'>): ReportContents & { file: string } {
  const contents = buildReport(config);
  mkdirSync(config.out, { recursive: true });
  const file = join(config.out, 'report.html');
  writeFileAtomicSync(file, contents.html);
  return { ...contents, file };
}
