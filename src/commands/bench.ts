/**
 * `robonav bench <what>`: benchmarks. Each subcommand times one part of robonav (or, `soak`, watches
 * the memory of a long training run) and, with `--json`, prints its figures as one JSON line (the
 * last line of stdout) with the backend and the machine beside them, so a figure is never quoted
 * without its context.
 *
 * `bench policies --broker URL` runs the episodes as jobs for actors (`robonav actor --broker URL
 * --eval`) and prints and writes what the local command does (`src/distributed/evalJobs.ts`).
 *
 * Subcommands are registered from `SUBCOMMANDS`; add one as a `(bench: Command) => void` there.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { compiledModule } from '../core/compiledModule.js';
import { BACKEND_NAMES, initBackend, type BackendName } from '../nn/backend.js';
import { DEFAULT_LEARNER_BENCH, runLearnerBench } from '../eval/bench/learnerBench.js';
import { DEFAULT_SIM_BENCH, runSimBench, SIM_SENSOR_SETS, type SimBenchResult, type SimSensorSet } from '../eval/bench/simBench.js';
import { SPLITS, type Split } from '../../envs/episodes.js';
import { DEFAULT_ALL_BENCH, formatAllMarkdown, runAllBench, writeAllBench } from '../eval/bench/allBench.js';
import { benchJson, DEFAULT_POLICIES_BENCH, formatTerminal, runPoliciesBench, writeBenchOutputs } from '../eval/bench/policiesBench.js';
import {
  DEFAULT_SOAK_BENCH,
  defaultWarmupMinutes,
  formatSoak,
  runSoakBench,
  SOAK_TOLERANCE_MB,
  writeSoakOutputs,
} from '../eval/bench/soakBench.js';
import { envSpec } from '../../envs/registry.js';
import { UsageError } from '../core/errors.js';
import { checkBrokerFlags, runOnBroker } from '../distributed/evalJobs.js';
import { describeMachine } from './info.js';
import {
  addBrokerOptions,
  checkEnvOptions,
  choiceOption,
  envOptionsOption,
  integerOption,
  listOption,
  numberOption,
  printJsonLine,
} from './options.js';

interface LearnerOptions {
  backend?: BackendName;
  threads?: number;
  batch: number;
  iters: number;
  warmup: number;
  seed: number;
  json?: boolean;
}

function registerLearner(bench: Command): void {
  bench
    .command('learner')
    .description(
      'Time the reference CNN (64×64×4 → conv 8×8/4 → conv 4×4/2 → conv 3×3/1 → dense 256 → 4): forward pass and one Adam step (MSE), medians after warm-up.',
    )
    .option(
      '--backend <name>',
      `TensorFlow.js backend: ${BACKEND_NAMES.join(', ')} (default: automatic, or ROBONAV_BACKEND)`,
      choiceOption(BACKEND_NAMES),
    )
    .option('--threads <n>', 'threads of the wasm backend, 1 to 8 (default: ROBONAV_WASM_THREADS, else 1)', integerOption(1))
    .option('--batch <n>', 'samples per batch', integerOption(1), DEFAULT_LEARNER_BENCH.batch)
    .option('--iters <n>', 'timed repetitions of each phase', integerOption(1), DEFAULT_LEARNER_BENCH.iters)
    .option('--warmup <n>', 'untimed repetitions before timing', integerOption(0), DEFAULT_LEARNER_BENCH.warmup)
    .option('--seed <n>', 'seed of the weights and the batch', integerOption(0), DEFAULT_LEARNER_BENCH.seed)
    .option('--json', 'print one JSON line: {"backend", "batch", "forwardMs", "trainStepMs", ...}')
    .action(async (o: LearnerOptions) => {
      const backend = await initBackend({ backend: o.backend, threads: o.threads });
      const result = await runLearnerBench({ batch: o.batch, iters: o.iters, warmup: o.warmup, seed: o.seed });
      if (o.json) {
        printJsonLine({ ...result, version: backend.version, simd: backend.simd, ...describeMachine() });
        return;
      }
      process.stdout.write(
        `${result.backend} (${result.threads} thread${result.threads === 1 ? '' : 's'}), batch ${result.batch}: forward ${result.forwardMs} ms, train step ${result.trainStepMs} ms ` +
          `(median of ${result.iters} after ${result.warmup} warm-up)\n`,
      );
    });
}

interface PoliciesFlags {
  env: string;
  split: Split;
  episodes: number;
  episodesFile?: string;
  policies: string[];
  envOptions?: Record<string, unknown>;
  sensors?: string[];
  seed: number;
  threads: number;
  resamples: number;
  replays: number;
  json?: boolean;
  out?: string;
  broker?: string;
  brokerTimeout?: number;
  jobEpisodes?: number;
}

function registerPolicies(bench: Command): void {
  const command = bench
    .command('policies')
    .description(
      'Run every policy on the same fixed episodes in worker threads; means with 95% bootstrap CIs of success, SPL, soft-SPL, return, collisions, path length, steps.',
    )
    .requiredOption(
      '--policies <list>',
      'comma-separated policies: random, oracle, runs/NAME (a run, checkpoint or policy directory)',
      listOption,
    )
    .option('--env <id>', 'registered env id (robonav envs lists them)', DEFAULT_POLICIES_BENCH.env)
    .option('--split <split>', `episode split: ${SPLITS.join(' | ')}`, choiceOption(SPLITS), DEFAULT_POLICIES_BENCH.split)
    .option('--episodes <n>', 'number of episodes', integerOption(1), DEFAULT_POLICIES_BENCH.episodes)
    .option('--episodes-file <path>', 'run the episodes of a file written by robonav episodes instead of the split')
    .option(
      '--env-options <json>',
      'JSON object of env options for every policy, e.g. \'{"sensors":["rgb","pointgoal"]}\' (policies must have been trained with the same)',
      envOptionsOption,
    )
    .option('--sensors <list>', 'override the env sensors, e.g. pointgoal (policies must have been trained with the same)', listOption)
    .option(
      '--seed <n>',
      'episode i is reset with seed + i; also seeds the random policy and the bootstrap',
      integerOption(0),
      DEFAULT_POLICIES_BENCH.seed,
    )
    .option('--threads <n>', 'worker threads (results do not depend on it)', integerOption(1), availableParallelism())
    .option('--resamples <n>', 'bootstrap resamples', integerOption(1), DEFAULT_POLICIES_BENCH.resamples)
    .option(
      '--replays <n>',
      'keep the top-down paths of the first n episodes (replays.json, for robonav report)',
      integerOption(0),
      DEFAULT_POLICIES_BENCH.replays,
    )
    .option('--out <dir>', 'write policies.json, policies.md, policies.csv (per-episode rows) and replays.json there')
    .option('--json', 'print one JSON line: {"env","split","episodes","seed","resamples","policies":[{"name","success","spl",…,"ci"}]}');
  addBrokerOptions(command).action(async (o: PoliciesFlags) => {
    checkBrokerFlags(o);
    const envOptions = { ...o.envOptions, ...(o.sensors ? { sensors: o.sensors } : {}) };
    if (o.envOptions) checkEnvOptions(o.env, envOptions);
    const result = await runPoliciesBench(
      {
        env: o.env,
        envOptions,
        split: o.split,
        episodes: o.episodes,
        episodesFile: o.episodesFile,
        policies: o.policies,
        seed: o.seed,
        threads: o.threads,
        resamples: o.resamples,
        replays: o.replays,
      },
      {
        onProgress:
          o.json || !process.stderr.isTTY
            ? undefined
            : (done, total) => process.stderr.write(`\r${done}/${total} policy-episodes${done === total ? '\n' : ''}`),
        ...(o.broker !== undefined
          ? { run: (task, onEpisode) => runOnBroker({ ...o, broker: o.broker! }, task, 'robonav bench policies', onEpisode) }
          : {}),
      },
    );
    const written = o.out ? writeBenchOutputs(o.out, result) : [];
    if (o.json) {
      printJsonLine(benchJson(result));
      return;
    }
    process.stdout.write(formatTerminal(result));
    if (written.length > 0) process.stdout.write(`wrote ${written.join(', ')}\n`);
  });
}

interface AllFlags {
  out: string;
  episodes: number;
  policies: string[];
  threads: number;
  json?: boolean;
}

function registerAll(bench: Command): void {
  bench
    .command('all')
    .description(
      'Run bench sim, bench learner and bench policies with modest settings; write their figures and the machine to OUT/bench.json and OUT/bench.md.',
    )
    .requiredOption('--out <dir>', 'directory for bench.json, bench.md and the policies outputs')
    .option('--episodes <n>', 'episodes of bench policies', integerOption(1), DEFAULT_ALL_BENCH.episodes)
    .option('--policies <list>', 'policies of bench policies', listOption, DEFAULT_ALL_BENCH.policies)
    .option('--threads <n>', 'worker threads of bench policies', integerOption(1), availableParallelism())
    .option('--json', 'print bench.json as one JSON line')
    .action(async (o: AllFlags) => {
      const cli = fileURLToPath(compiledModule(new URL('../cli.js', import.meta.url)));
      const result = await runAllBench({ episodes: o.episodes, policies: o.policies, threads: o.threads, out: o.out }, cli, (line) => {
        if (!o.json) process.stderr.write(`${line}\n`);
      });
      const written = writeAllBench(o.out, result);
      if (o.json) {
        printJsonLine(result);
        return;
      }
      process.stdout.write(`${formatAllMarkdown(result)}wrote ${written.join(', ')}\n`);
    });
}

interface SimOptions {
  env: string;
  size: number;
  sensors: SimSensorSet;
  threads: number;
  camera: boolean;
  steps: number;
  warmup: number;
  seed: number;
  json?: boolean;
}

/** Sizes, sensor sets and thread counts of the table `bench sim` prints without --json. */
const SIM_TABLE = { sizes: [32, 64, 128], sensors: SIM_SENSOR_SETS, threads: [1, 2] } as const;

function registerSim(bench: Command): void {
  bench
    .command('sim')
    .description(
      'Full env steps per second (physics + task + camera) with a seeded random walk. With --json: one configuration; without: the table 32/64/128 px × depth/rgbd/rgbds × 1/2 threads.',
    )
    .option('--env <id>', 'env id', DEFAULT_SIM_BENCH.env)
    .option('--size <px>', 'camera width = height (pixels)', integerOption(1), DEFAULT_SIM_BENCH.size)
    .option(
      '--sensors <set>',
      `camera outputs: ${SIM_SENSOR_SETS.join(', ')} (rgbd = rgb + depth, rgbds = + semantic)`,
      choiceOption(SIM_SENSOR_SETS),
      DEFAULT_SIM_BENCH.sensors,
    )
    .option(
      '--threads <n>',
      '1: one env on the main thread; n > 1: a WorkerVectorEnv over n worker threads',
      integerOption(1),
      DEFAULT_SIM_BENCH.threads,
    )
    .option('--no-camera', 'leave the camera out (physics + task only)')
    .option('--steps <n>', 'timed env steps', integerOption(1), DEFAULT_SIM_BENCH.steps)
    .option('--warmup <n>', 'untimed env steps first', integerOption(0), DEFAULT_SIM_BENCH.warmup)
    .option('--seed <n>', 'seed of the envs and the actions', integerOption(0), DEFAULT_SIM_BENCH.seed)
    .option('--json', 'print one JSON line: {"stepsPerSec", "size", "sensors", "threads", ...}')
    .action(async (o: SimOptions) => {
      const common = { env: o.env, noCamera: !o.camera, steps: o.steps, warmup: o.warmup, seed: o.seed };
      if (o.json) {
        const result = await runSimBench({ ...common, size: o.size, sensors: o.sensors, threads: o.threads });
        printJsonLine({ ...result, ...describeMachine() });
        return;
      }
      const machine = describeMachine();
      process.stdout.write(
        `${o.env}, full env steps/s (${o.steps} timed steps each), ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n\n`,
      );
      process.stdout.write(`| size | sensors | ${SIM_TABLE.threads.map((t) => `${t} thread${t > 1 ? 's' : ''}`).join(' | ')} |\n`);
      process.stdout.write(`|---|---|${SIM_TABLE.threads.map(() => '---:').join('|')}|\n`);
      for (const size of SIM_TABLE.sizes) {
        for (const sensors of SIM_TABLE.sensors) {
          const row: SimBenchResult[] = [];
          for (const threads of SIM_TABLE.threads) row.push(await runSimBench({ ...common, size, sensors, threads }));
          process.stdout.write(`| ${size}×${size} | ${sensors} | ${row.map((r) => r.stepsPerSec.toLocaleString('en-US')).join(' | ')} |\n`);
        }
      }
    });
}

interface SoakFlags {
  minutes: number;
  warmup?: number;
  env: string;
  workers: number;
  out?: string;
  json?: boolean;
}

function registerSoak(bench: Command): void {
  bench
    .command('soak')
    .description(
      `Train (robonav train --view 0 in a child process) for --minutes with a viewer client watching; sample its RSS every 10 s and its heap and tf.js tensors per update; PASS when RSS stays within ±${SOAK_TOLERANCE_MB} MB after warm-up and the tensors do not change. Linux only.`,
    )
    .option('--minutes <n>', 'how long to train', numberOption(1), DEFAULT_SOAK_BENCH.minutes)
    .option('--warmup <minutes>', 'minutes before the memory must stay flat (default: 5, or a quarter of a shorter run)', numberOption(0))
    .option('--env <id>', 'registered env id', DEFAULT_SOAK_BENCH.env)
    .option(
      '--workers <n>',
      'env worker threads of the run (0 = envs in the training thread)',
      integerOption(0),
      DEFAULT_SOAK_BENCH.workers,
    )
    .option('--out <dir>', 'keep the run in <dir>/run and write soak.json, soak-rss.csv and soak-updates.csv there')
    .option(
      '--json',
      'print one JSON line: {"env","workers","minutes","warmupMinutes","steps","watcher","rss","heapUsed","numTensors","pass","reasons",…}',
    )
    .action(async (o: SoakFlags) => {
      const warmupMinutes = o.warmup ?? defaultWarmupMinutes(o.minutes);
      if (warmupMinutes >= o.minutes) throw new UsageError(`--warmup ${warmupMinutes} must be shorter than --minutes ${o.minutes}`);
      try {
        envSpec(o.env);
      } catch (err) {
        throw new UsageError(`--env: ${(err as Error).message}`);
      }
      if (o.out && existsSync(join(o.out, 'run'))) throw new UsageError(`--out ${o.out}: ${join(o.out, 'run')} already exists`);
      if (!existsSync('/proc/self/status')) throw new Error('bench soak reads the RSS from /proc: Linux only');
      const cli = fileURLToPath(compiledModule(new URL('../cli.js', import.meta.url)));
      const run = await runSoakBench(
        { minutes: o.minutes, warmupMinutes, env: o.env, workers: o.workers, out: o.out ?? null },
        cli,
        (line) => {
          if (!o.json) process.stderr.write(`${line}\n`);
        },
      );
      const written = o.out ? writeSoakOutputs(o.out, run) : [];
      if (o.json) printJsonLine({ ...run.result, ...describeMachine() });
      else {
        process.stdout.write(formatSoak(run.result));
        if (written.length > 0) process.stdout.write(`wrote ${written.join(', ')}\n`);
      }
      // A failed soak exits 1, so that a script running it notices.
      if (!run.result.pass) throw new Error(`bench soak: FAIL: ${run.result.reasons.join('; ')}`);
    });
}

const SUBCOMMANDS: ((bench: Command) => void)[] = [registerLearner, registerSim, registerPolicies, registerAll, registerSoak];

export function register(program: Command): void {
  const bench = program.command('bench').description('Speed benchmarks and the memory soak; --json prints the figures as one JSON line.');
  for (const add of SUBCOMMANDS) add(bench);
}
