/**
 * `robonav report runs/A runs/B … --out report/ [--title T] [--replays N] [--json]`: one
 * self-contained HTML page (no network needed to open it) with the runs' learning curves (return,
 * success, SPL against env steps and wall-clock, spread across seeds), their final values, the
 * policy benchmark tables (policies.json from `robonav bench policies --out`) and top-down replays
 * (replays.json, .rec recordings) found in the run directories and in the output directory.
 */
import type { Command } from 'commander';
import { DEFAULT_REPORT, writeReport } from '../eval/report/report.js';
import { integerOption, printJsonLine } from './options.js';

interface ReportFlags {
  out: string;
  title: string;
  replays: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('Write one self-contained HTML report: learning curves across seeds, the policies table, top-down replays.')
    .argument('[runs...]', 'run directories (runs/NAME with metrics.jsonl, or with seed-N/ subdirectories from train --seeds)')
    .requiredOption('--out <dir>', 'directory for report.html (its policies.json and replays.json are included)')
    .option('--title <text>', 'page title', DEFAULT_REPORT.title)
    .option('--replays <n>', 'replays shown at most', integerOption(0), DEFAULT_REPORT.replays)
    .option('--json', 'print one JSON line: {"file","runs","tables","replays"}')
    .action((runs: string[], flags: ReportFlags) => {
      const report = writeReport({ runs, out: flags.out, title: flags.title, replays: flags.replays });
      if (flags.json) {
        printJsonLine({
          file: report.file,
          runs: report.runs.map((r) => ({ name: r.name, seeds: r.seeds.length })),
          tables: report.tables.length,
          replays: report.replays.length,
        });
        return;
      }
      process.stdout.write(
        `wrote ${report.file} (${report.runs.length} runs, ${report.tables.length} tables, ${report.replays.length} replays)\n`,
      );
    });
}
