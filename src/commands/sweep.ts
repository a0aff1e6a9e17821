/**
 * `robonav sweep --grid JSON --seeds 1,2,3 --out sweeps/NAME [--env ID] [--env-options JSON]
 *   [--agent ppo] [--config base.json] [--steps N] [--workers N] [--eval-every U] [--eval-episodes N]
 *   [--budgets 100000,200000] [--thresholds 0.5,0.8,0.9] [--deterministic]
 *   [--encoder pretrain/NAME [--freeze-encoder]] [--json]`
 *
 * A small hyperparameter sweep: every combination of the grid's values (an arm) trained once per
 * seed, one run after another, then a table of val success at fixed step budgets and of the steps
 * and minutes to val success thresholds, mean [min, max] over seeds (src/eval/sweep.ts).
 *
 *   sweeps/NAME/sweep.json             what was asked (a second invocation must ask the same)
 *   sweeps/NAME/arm-K/config.json      the base config with arm K's values
 *   sweeps/NAME/arm-K/seed-S/          a `robonav train` run directory
 *   sweeps/NAME/results.json, table.md the table
 *
 * Grid keys are agent config fields; a dotted key reaches into an object (`network.coreSize`).
 * `--encoder` starts every run's image encoder from a `robonav pretrain` output, so a pretrained
 * arm is a sweep of its own beside the same sweep without it.
 * Every arm's config is checked before the first run starts. Running the same command again
 * continues an interrupted sweep: finished runs are kept, an unfinished one is resumed from its
 * checkpoint. `robonav report sweeps/NAME/arm-1 sweeps/NAME/arm-2` draws the arms' curves with
 * their seed spread.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { AGENTS, type AgentName, parseAgentConfig } from '../../agents/registry.js';
import { envSpec } from '../../envs/registry.js';
import { writeFileAtomicSync } from '../core/atomicWrite.js';
import { UsageError } from '../core/errors.js';
import { type SweepArm, sweepMarkdown, tabulateSweep } from '../eval/sweep.js';
import { METRICS_FILE } from '../runs/MetricsWriter.js';
import { hasRunFile } from '../runs/runFile.js';
import { seedDir, seedListOption } from './multiSeed.js';
import { checkEnvOptions, choiceOption, envOptionsOption, integerOption, printJsonLine } from './options.js';
import { train } from './train.js';
import { checkPretrainedFolder } from './train/pretrainedStart.js';
import { TRAIN_DEFAULTS } from './train/resolveRun.js';

/** Version of `sweep.json`. */
const SWEEP_FILE_VERSION = 1;
const DEFAULT_EVAL_EPISODES = 50;
const DEFAULT_THRESHOLDS = [0.5, 0.8, 0.9];

interface SweepFlags {
  grid: Record<string, unknown[]>;
  seeds: number[];
  out: string;
  env?: string;
  envOptions?: Record<string, unknown>;
  agent?: AgentName;
  config?: string;
  steps?: number;
  workers?: number;
  evalEvery?: number;
  evalEpisodes?: number;
  budgets?: number[];
  thresholds?: number[];
  deterministic?: boolean;
  encoder?: string;
  freezeEncoder?: boolean;
  json?: boolean;
}

/** Everything that decides the sweep's runs; stored in sweep.json and compared on a second invocation. */
interface SweepSpec {
  version: number;
  env: string;
  envOptions: Record<string, unknown>;
  agent: AgentName;
  baseConfig: Record<string, unknown>;
  grid: Record<string, unknown[]>;
  seeds: number[];
  steps: number;
  evalEvery: number;
  evalEpisodes: number;
  deterministic: boolean;
  /** Every run's pretrained encoder; absent without --encoder (so older sweep.json files still match). */
  encoder?: string;
  freezeEncoder?: boolean;
}

export function register(program: Command): void {
  program
    .command('sweep')
    .description('Train every combination of a grid of agent config values on several seeds, then tabulate val success at fixed budgets.')
    .requiredOption(
      '--grid <json>',
      'JSON object of config fields to lists of values, e.g. \'{"learningRate":[1e-4,3e-4],"entCoef":[0,0.01]}\'',
      gridOption,
    )
    .requiredOption('--seeds <list>', 'seeds of every arm, e.g. 1,2,3', seedListOption)
    .requiredOption('--out <dir>', 'sweep directory (run the same command again to continue an interrupted sweep)')
    .option('--env <id>', `registered env id (default ${TRAIN_DEFAULTS.env})`)
    .option('--env-options <json>', 'JSON object of env options for every run', envOptionsOption)
    .option('--agent <name>', `${AGENTS.join(' | ')} (default ${TRAIN_DEFAULTS.agent})`, choiceOption(AGENTS))
    .option('--config <file>', 'JSON agent config the grid values are applied over')
    .option('--steps <n>', `env steps of every run (default ${TRAIN_DEFAULTS.steps})`, integerOption(1))
    .option('--workers <n>', 'worker threads stepping the envs of each run (default 0)', integerOption(0))
    .option('--eval-every <updates>', `val evaluation every N updates (default ${TRAIN_DEFAULTS.evalEvery})`, integerOption(1))
    .option('--eval-episodes <n>', `val episodes per evaluation (default ${DEFAULT_EVAL_EPISODES})`, integerOption(1))
    .option(
      '--budgets <list>',
      'step budgets of the table, e.g. 100000,200000 (default: a quarter, half and all of --steps)',
      budgetsOption,
    )
    .option('--thresholds <list>', `val success thresholds of the table (default ${DEFAULT_THRESHOLDS.join(',')})`, thresholdsOption)
    .option('--deterministic', 'val evaluations take the most likely action instead of sampling one')
    .option('--encoder <dir>', "start every run's image encoder from a `robonav pretrain` output")
    .option('--freeze-encoder', 'keep the --encoder weights fixed during training')
    .option('--json', 'print one JSON line at the end: {"out","rows":[…]}')
    .action(async (flags: SweepFlags) => {
      await sweep(flags);
    });
}

async function sweep(flags: SweepFlags): Promise<void> {
  const spec = resolveSpec(flags);
  const arms = armsOf(spec, flags.out);
  checkSweepDir(flags.out, spec);
  mkdirSync(flags.out, { recursive: true });
  writeFileAtomicSync(join(flags.out, 'sweep.json'), `${JSON.stringify(spec, null, 2)}\n`);
  for (const arm of arms) {
    mkdirSync(arm.dir, { recursive: true });
    writeFileAtomicSync(join(arm.dir, 'config.json'), `${JSON.stringify(arm.config, null, 2)}\n`);
  }

  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const total = arms.length * spec.seeds.length;
    let k = 0;
    for (const arm of arms) {
      for (const seed of spec.seeds) {
        k++;
        if (interrupted) break;
        const dir = seedDir(arm.dir, seed);
        if (finished(dir, spec.steps)) continue;
        if (!flags.json)
          process.stderr.write(`robonav sweep: run ${k}/${total}: ${arm.name} ${JSON.stringify(arm.overrides)} seed ${seed} → ${dir}\n`);
        await train(runFlags(spec, arm, seed, dir, flags.workers));
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const budgets = flags.budgets ?? [spec.steps / 4, spec.steps / 2, spec.steps].map(Math.round);
  const thresholds = flags.thresholds ?? DEFAULT_THRESHOLDS;
  const rows = tabulateSweep(arms, spec.seeds, budgets, thresholds);
  const table = sweepMarkdown(rows, budgets, thresholds);
  writeFileAtomicSync(join(flags.out, 'results.json'), `${JSON.stringify({ budgets, thresholds, rows }, null, 2)}\n`);
  writeFileAtomicSync(join(flags.out, 'table.md'), table);
  if (interrupted && !flags.json)
    process.stderr.write('robonav sweep: stopped; run the same command again to continue where it left off\n');
  if (flags.json) printJsonLine({ out: flags.out, interrupted, rows });
  else process.stdout.write(table);
}

/** The flags checked and resolved into the sweep's spec (nothing written). */
function resolveSpec(flags: SweepFlags): SweepSpec {
  const env = flags.env ?? TRAIN_DEFAULTS.env;
  envSpec(env);
  const envOptions = flags.envOptions ?? {};
  checkEnvOptions(env, envOptions);
  const agent = flags.agent ?? TRAIN_DEFAULTS.agent;
  const baseConfig = flags.config === undefined ? {} : readConfig(flags.config);
  if ('seed' in flags.grid || 'seed' in baseConfig) throw new UsageError('--grid, --config: the seed comes from --seeds');
  if (flags.freezeEncoder && flags.encoder === undefined) throw new UsageError('--freeze-encoder needs --encoder DIR');
  if (flags.encoder !== undefined) checkPretrainedFolder('--encoder', flags.encoder);
  return {
    version: SWEEP_FILE_VERSION,
    env,
    envOptions,
    agent,
    baseConfig,
    grid: flags.grid,
    seeds: flags.seeds,
    steps: flags.steps ?? TRAIN_DEFAULTS.steps,
    evalEvery: flags.evalEvery ?? TRAIN_DEFAULTS.evalEvery,
    evalEpisodes: flags.evalEpisodes ?? DEFAULT_EVAL_EPISODES,
    deterministic: flags.deterministic === true,
    ...(flags.encoder === undefined ? {} : { encoder: flags.encoder, freezeEncoder: flags.freezeEncoder === true }),
  };
}

/** Every combination of the grid's values, in the grid's key order (the last key varies fastest), each config checked. */
function armsOf(spec: SweepSpec, out: string): (SweepArm & { config: Record<string, unknown> })[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(spec.grid)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return combos.map((overrides, i) => {
    const name = `arm-${i + 1}`;
    const config = structuredClone(spec.baseConfig);
    for (const [key, value] of Object.entries(overrides)) setPath(config, key, value);
    parseAgentConfig(spec.agent, config, `--grid ${name} ${JSON.stringify(overrides)}`);
    return { name, overrides, dir: join(out, name), config };
  });
}

/** A sweep directory is new, or holds the same sweep (then it continues). */
function checkSweepDir(out: string, spec: SweepSpec): void {
  const file = join(out, 'sweep.json');
  if (!existsSync(file)) {
    if (hasRunFile(out)) throw new UsageError(`--out ${out} holds a training run, not a sweep; choose another --out`);
    return;
  }
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--out ${out}: ${file} is not valid JSON (${(err as Error).message}); choose another --out`);
  }
  if (JSON.stringify(saved) !== JSON.stringify(spec))
    throw new UsageError(`--out ${out} holds a different sweep (see ${file}); repeat its flags to continue it, or choose another --out`);
}

/** `robonav train`'s flags for one arm and seed: a fresh run, or the resumption of an unfinished one. */
function runFlags(spec: SweepSpec, arm: SweepArm, seed: number, dir: string, workers: number | undefined): Parameters<typeof train>[0] {
  const common = {
    steps: spec.steps,
    evalEvery: spec.evalEvery,
    evalEpisodes: spec.evalEpisodes,
    testEpisodes: 0,
    deterministic: spec.deterministic,
    ...(workers === undefined ? {} : { workers }),
  };
  if (hasRunFile(dir)) return { ...common, resume: dir };
  const pretrained = spec.encoder === undefined ? {} : { encoder: spec.encoder, freezeEncoder: spec.freezeEncoder === true };
  return {
    ...common,
    ...pretrained,
    env: spec.env,
    envOptions: spec.envOptions,
    agent: spec.agent,
    seed,
    out: dir,
    config: join(arm.dir, 'config.json'),
  };
}

/** Whether the run in `dir` reached `steps` (its last update line says so). */
function finished(dir: string, steps: number): boolean {
  const file = join(dir, METRICS_FILE);
  if (!hasRunFile(dir) || !existsSync(file)) return false;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const record = JSON.parse(lines[i]!) as { type?: string; step?: number };
      if (record.type !== 'eval' && typeof record.step === 'number') return record.step >= steps;
    } catch {
      // a torn last line: look at the one before
    }
  }
  return false;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function readConfig(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${file}: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--config ${file}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** `--grid`: a JSON object whose values are non-empty lists. */
function gridOption(value: string): Record<string, unknown[]> {
  const grid = envOptionsOption(value);
  if (Object.keys(grid).length === 0) throw new InvalidArgumentError('expected at least one config field');
  for (const [key, values] of Object.entries(grid)) {
    if (!/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(key)) throw new InvalidArgumentError(`"${key}" is not a config field name`);
    if (!Array.isArray(values) || values.length === 0)
      throw new InvalidArgumentError(`"${key}" must map to a non-empty list of values, got ${JSON.stringify(values)}`);
  }
  return grid as Record<string, unknown[]>;
}

function budgetsOption(value: string): number[] {
  const budgets = value.split(',').map((s) => Number(s.trim()));
  if (budgets.some((b) => !Number.isInteger(b) || b < 1))
    throw new InvalidArgumentError(`expected a comma-separated list of step counts >= 1, got "${value}"`);
  return budgets;
}

function thresholdsOption(value: string): number[] {
  const thresholds = value.split(',').map((s) => Number(s.trim()));
  if (thresholds.some((t) => !(t >= 0 && t <= 1)))
    throw new InvalidArgumentError(`expected a comma-separated list of numbers in [0, 1], got "${value}"`);
  return thresholds;
}
