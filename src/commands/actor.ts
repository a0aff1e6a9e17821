/**
 * `robonav actor --broker URL --run NAME [--num-envs N] [--workers W] [--json]`
 *
 * An actor of a distributed training run: it steps envs under the latest weights the learner
 * (`robonav train --broker URL --out runs/NAME`) published and sends trajectory chunks to the run's
 * stream (src/distributed/TrainingActor.ts). It waits for the learner if it comes first, keeps
 * going while the learner restarts, and stops between chunks on Ctrl-C or SIGTERM (exit 0). Start
 * as many as you like, on as many machines as you like.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { Broker, parseBrokerUrl } from '../distributed/Broker.js';
import { runTrainingActor } from '../distributed/TrainingActor.js';
import { RUN_NAME } from '../distributed/trainingRun.js';
import { initBackend } from '../nn/backend.js';
import { integerOption, printJsonLine } from './options.js';

/** The flags of `robonav actor`. */
interface ActorFlags {
  broker?: string;
  run?: string;
  numEnvs?: number;
  workers?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('actor')
    .description(
      'Collect trajectories for a distributed training run (robonav train --broker): envs and inference here, learning on the learner.',
    )
    .option('--broker <url>', 'the Redis broker: redis://[user:password@]host[:port][/db] or rediss://… (TLS)')
    .option('--run <name>', "the run to train: the name of the learner's --out directory")
    .option('--num-envs <n>', "envs of this actor (default: the run's)", integerOption(1))
    .option('--workers <n>', 'worker threads stepping the envs (0 = in the main thread; default 0)', integerOption(0))
    .option('--json', 'print one JSON line when it stops: {"actor","rollouts","chunks","bytes"}')
    .action(async (flags: ActorFlags) => {
      await actor(flags);
    });
}

async function actor(flags: ActorFlags): Promise<void> {
  if (flags.broker === undefined) throw new UsageError('--broker URL is required (the Redis the learner uses)');
  parseBrokerUrl(flags.broker);
  if (flags.run === undefined) throw new UsageError("--run NAME is required (the name of the learner's --out directory)");
  if (!RUN_NAME.test(flags.run)) throw new UsageError(`--run ${flags.run}: expected letters, digits, '.', '_' or '-'`);
  if (flags.workers !== undefined && flags.numEnvs !== undefined && flags.workers > flags.numEnvs)
    throw new UsageError(`--workers ${flags.workers} exceeds the ${flags.numEnvs} envs`);
  await initBackend();
  let stopped = false;
  const stop = (): void => {
    if (!stopped) process.stderr.write('robonav actor: stopping after this rollout\n');
    stopped = true;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const broker = await Broker.connect(flags.broker, { name: 'robonav actor' });
  try {
    const summary = await runTrainingActor({
      broker,
      run: flags.run,
      ...(flags.numEnvs !== undefined ? { numEnvs: flags.numEnvs } : {}),
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      stopped: () => stopped,
    });
    if (flags.json) printJsonLine(summary);
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await broker.close();
  }
}
