/**
 * `robonav bench all`: the machine (`robonav info`), `bench sim`, `bench learner` and
 * `bench policies` with modest settings, one after another, gathered into `bench.json` and
 * `bench.md`.
 *
 * Each benchmark runs as its own `robonav … --json` child process: a timing is then taken in a fresh
 * process exactly as a user would take it (no JIT warm-up, heap or tfjs backend state carried over
 * from the benchmark before), and the figures are the subcommand's own JSON line, not a second
 * implementation of it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatFigure, formatInterval, type PolicyRow } from './policiesBench.js';
import { writeFileAtomicSync } from '../../core/atomicWrite.js';

export const ALL_BENCH_VERSION = 1;

export interface AllBenchConfig {
  /** Directory for bench.json, bench.md and the policies outputs. */
  out: string;
  /** Episodes of `bench policies`. @default 50 */
  episodes: number;
  /** Policies of `bench policies`. @default ['random', 'oracle'] */
  policies: string[];
  /** Worker threads of `bench policies`. */
  threads: number;
}

export const DEFAULT_ALL_BENCH: Pick<AllBenchConfig, 'episodes' | 'policies'> = { episodes: 50, policies: ['random', 'oracle'] };

/** The modest settings of each benchmark (the subcommands' own defaults where they are already quick). */
export function allBenchCommands(config: AllBenchConfig): Record<'machine' | 'sim' | 'learner' | 'policies', string[]> {
  return {
    machine: ['info', '--json'],
    sim: ['bench', 'sim', '--env', 'PointNav-v0', '--sensors', 'depth', '--json'],
    learner: ['bench', 'learner', '--iters', '10', '--warmup', '2', '--json'],
    policies: [
      'bench',
      'policies',
      '--env',
      'PointNav-v0',
      '--split',
      'test',
      '--episodes',
      String(config.episodes),
      '--policies',
      config.policies.join(','),
      '--threads',
      String(config.threads),
      '--out',
      config.out,
      '--json',
    ],
  };
}

export interface AllBenchResult {
  version: number;
  createdAt: string;
  /** `robonav info --json`: backend, tfjs version, SIMD, Node version, platform, CPU model, cores. */
  machine: Record<string, unknown>;
  sim: Record<string, unknown>;
  learner: Record<string, unknown>;
  policies: { env: string; split: string; episodes: number; policies: PolicyRow[] } & Record<string, unknown>;
  /** The exact command line of each part. */
  commands: Record<string, string>;
}

/** Run `robonav <args>` (the CLI script `cli`) and parse its last stdout line as JSON. */
function runJson(cli: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const command = `robonav ${args.join(' ')}`;
      if (code !== 0) {
        reject(new Error(`bench all: \`${command}\` exited with code ${code}: ${err.trim().split('\n').pop() ?? ''}`));
        return;
      }
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`bench all: \`${command}\` did not end with a JSON line (got ${JSON.stringify(last.slice(0, 80))})`));
      }
    });
  });
}

/**
 * Run the parts one after another (they would disturb each other's timings side by side), each as
 * a `robonav` process of the CLI script `cli`, so that each starts on a fresh heap.
 */
export async function runAllBench(config: AllBenchConfig, cli: string, log: (line: string) => void = () => {}): Promise<AllBenchResult> {
  const commands = allBenchCommands(config);
  const results: Record<string, Record<string, unknown>> = {};
  for (const [name, args] of Object.entries(commands)) {
    log(`bench all: robonav ${args.join(' ')}`);
    results[name] = await runJson(cli, args);
  }
  return {
    version: ALL_BENCH_VERSION,
    createdAt: new Date().toISOString(),
    machine: results.machine!,
    sim: results.sim!,
    learner: results.learner!,
    policies: results.policies as AllBenchResult['policies'],
    commands: Object.fromEntries(Object.entries(commands).map(([k, args]) => [k, `robonav ${args.join(' ')}`])),
  };
}

/** Machine fields the subcommands repeat in their JSON: bench.md states them once, at the top. */
const MACHINE_KEYS = new Set(['node', 'platform', 'cpu', 'cores']);

function figures(record: Record<string, unknown>): string {
  return Object.entries(record)
    .filter(([k, v]) => !MACHINE_KEYS.has(k) && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .map(([k, v]) => `| ${k} | ${typeof v === 'number' && !Number.isInteger(v) ? formatFigure(v) : String(v)} |`)
    .join('\n');
}

/** bench.md: the machine, then each part's figures and its command. */
export function formatAllMarkdown(r: AllBenchResult): string {
  const m = r.machine;
  const rows = r.policies.policies.map(
    (p) =>
      `| ${p.name} | ${formatInterval(p.success, p.ci.success)} | ${formatInterval(p.spl, p.ci.spl)} | ${formatFigure(p.return)} | ${formatFigure(p.steps)} |`,
  );
  return [
    `# robonav benchmarks (${r.createdAt})`,
    '',
    `Machine: ${String(m.cpu)}, ${String(m.cores)} cores, Node ${String(m.node)} (${String(m.platform)}), tfjs ${String(m.version)} backend ${String(m.backend)}${m.backend === 'wasm' ? (m.simd ? ' (SIMD)' : ' (no SIMD)') : ''}.`,
    '',
    '## Simulation',
    '',
    `\`${r.commands.sim}\``,
    '',
    '| figure | value |',
    '| --- | ---: |',
    figures(r.sim),
    '',
    '## Learner',
    '',
    `\`${r.commands.learner}\``,
    '',
    '| figure | value |',
    '| --- | ---: |',
    figures(r.learner),
    '',
    '## Policies',
    '',
    `\`${r.commands.policies}\` (${r.policies.env}, ${r.policies.split}, ${r.policies.episodes} episodes; full table in policies.md)`,
    '',
    '| policy | success [95% CI] | SPL [95% CI] | return | steps |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
}

/** Write bench.json and bench.md atomically; returns their paths. */
export function writeAllBench(dir: string, result: AllBenchResult): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of [
    ['bench.json', `${JSON.stringify(result, null, 1)}\n`],
    ['bench.md', formatAllMarkdown(result)],
  ] as const) {
    const path = join(dir, name);
    writeFileAtomicSync(path, text);
    written.push(path);
  }
  return written;
}
