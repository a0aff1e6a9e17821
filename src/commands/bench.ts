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

const SUBCOMMANDS: ((bench: Command) => void)[] = [registerLearner];

export function register(program: Command): void {
  const bench = program.command('bench').description('Speed benchmarks; --json prints the figures as one JSON line.');
  for (const add of SUBCOMMANDS) add(bench);
}
