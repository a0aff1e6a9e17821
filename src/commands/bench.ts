/**
 * `robonav bench <what>`: speed benchmarks. Each subcommand times one part of robonav and, with
 * `--json`, prints its figures as one JSON line (the last line of stdout) with the backend and
 * the machine beside them, so a figure is never quoted without its context.
 *
 * Subcommands are registered from `SUBCOMMANDS`; add one as a `(bench: Command) => void` there.
 */
import type { Command } from 'commander';
import { BACKEND_NAMES, initBackend, type BackendName } from '../nn/backend.js';
import { DEFAULT_LEARNER_BENCH, runLearnerBench } from '../train/bench/learnerBench.js';
import { DEFAULT_SIM_BENCH, runSimBench, SIM_SENSOR_SETS, type SimBenchResult, type SimSensorSet } from '../train/bench/simBench.js';
import { describeMachine } from './info.js';
import { choiceOption, integerOption, printJsonLine } from './options.js';

interface LearnerOptions {
  backend?: BackendName;
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
    .option('--backend <name>', `TensorFlow.js backend: ${BACKEND_NAMES.join(', ')} (default: automatic, or ROBONAV_BACKEND)`, choiceOption(BACKEND_NAMES))
    .option('--batch <n>', 'samples per batch', integerOption(1), DEFAULT_LEARNER_BENCH.batch)
    .option('--iters <n>', 'timed repetitions of each phase', integerOption(1), DEFAULT_LEARNER_BENCH.iters)
    .option('--warmup <n>', 'untimed repetitions before timing', integerOption(0), DEFAULT_LEARNER_BENCH.warmup)
    .option('--seed <n>', 'seed of the weights and the batch', integerOption(0), DEFAULT_LEARNER_BENCH.seed)
    .option('--json', 'print one JSON line: {"backend", "batch", "forwardMs", "trainStepMs", ...}')
    .action(async (o: LearnerOptions) => {
      const backend = await initBackend({ backend: o.backend });
      const result = await runLearnerBench({ batch: o.batch, iters: o.iters, warmup: o.warmup, seed: o.seed });
      if (o.json) {
        printJsonLine({ ...result, version: backend.version, simd: backend.simd, ...describeMachine() });
        return;
      }
      process.stdout.write(
        `${result.backend}, batch ${result.batch}: forward ${result.forwardMs} ms, train step ${result.trainStepMs} ms ` +
          `(median of ${result.iters} after ${result.warmup} warm-up)\n`,
      );
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
    .option('--sensors <set>', `camera outputs: ${SIM_SENSOR_SETS.join(', ')} (rgbd = rgb + depth, rgbds = + semantic)`, choiceOption(SIM_SENSOR_SETS), DEFAULT_SIM_BENCH.sensors)
    .option('--threads <n>', '1: one env on the main thread; n > 1: a WorkerVectorEnv over n worker threads', integerOption(1), DEFAULT_SIM_BENCH.threads)
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
      process.stdout.write(`${o.env}, full env steps/s (${o.steps} timed steps each), ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n\n`);
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

const SUBCOMMANDS: ((bench: Command) => void)[] = [registerLearner, registerSim];

export function register(program: Command): void {
  const bench = program.command('bench').description('Speed benchmarks; --json prints the figures as one JSON line.');
  for (const add of SUBCOMMANDS) add(bench);
}
