/**
 * `robonav actor --broker redis://HOST:6379/0 [--run NAME [--num-envs N] [--workers W]] [--eval [--reclaim-after S]] [--json]`:
 * join a Redis broker and work until stopped.
 *
 * With --run it is an actor of a distributed training run (`robonav train --broker URL --out
 * runs/NAME`, src/distributed/TrainingActor.ts): it steps envs under the latest weights the learner
 * published and sends trajectory chunks to the run's stream; it waits for the learner if it comes
 * first and keeps going while the learner restarts.
 *
 * With --eval it takes the evaluation jobs of `robonav eval … --broker` and `robonav bench policies
 * … --broker` (`EvalJobWorker`, src/distributed/evalJobs.ts): each job is a slice of fixed episodes
 * of one policy, run with the same code as a local evaluation; a job whose actor died is taken over
 * by another once it has been idle for --reclaim-after seconds. With both it trains and takes at
 * most one evaluation job between rollouts, without waiting for one.
 *
 * Any number of actors, on any machines, may join and leave at any time. SIGINT or SIGTERM stops it
 * (a training actor between rollouts; a running evaluation job is abandoned at the end of its
 * episode and handed back unanswered to the other actors) and it exits 0; a second signal ends it
 * at once. A lost Redis is waited for with back-off.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { Broker, parseBrokerUrl } from '../distributed/Broker.js';
import { EvalJobWorker } from '../distributed/evalJobs.js';
import { runTrainingActor } from '../distributed/TrainingActor.js';
import { RUN_NAME } from '../distributed/trainingRun.js';
import { initBackend } from '../nn/backend.js';
import { integerOption, numberOption, printJsonLine } from './options.js';

interface ActorFlags {
  broker: string;
  eval?: boolean;
  reclaimAfter: number;
  run?: string;
  numEnvs?: number;
  workers?: number;
  json?: boolean;
}

const NAME = 'robonav actor';

export function register(program: Command): void {
  program
    .command('actor')
    .description(
      'Work for a Redis broker: with --run, collect trajectories for robonav train --broker; with --eval, the episodes of robonav eval / bench policies --broker.',
    )
    .requiredOption('--broker <url>', 'the Redis broker: redis://[user:password@]host[:port][/db] or rediss://… (TLS)')
    .option('--run <name>', "collect trajectories for this training run: the name of the learner's --out directory")
    .option('--num-envs <n>', "with --run: envs of this actor (default: the run's)", integerOption(1))
    .option('--workers <n>', 'with --run: worker threads stepping the envs (0 = in the main thread; default 0)', integerOption(0))
    .option('--eval', 'take evaluation jobs (robonav eval … --broker, robonav bench policies … --broker)')
    .option(
      '--reclaim-after <seconds>',
      "take over a job another actor has not marked alive for this long (it died); actors mark theirs after every episode, so keep it above one episode's time",
      numberOption(0.1),
      60,
    )
    .option('--json', 'with --run: print one JSON line when it stops: {"actor","rollouts","chunks","bytes"}')
    .action(async (flags: ActorFlags) => {
      parseBrokerUrl(flags.broker);
      if (!flags.eval && flags.run === undefined)
        throw new UsageError('robonav actor: say which jobs to take: --eval (evaluation jobs) and/or --run NAME (a training run)');
      if (flags.run !== undefined && !RUN_NAME.test(flags.run))
        throw new UsageError(`--run ${flags.run}: expected letters, digits, '.', '_' or '-' (the name of the learner's --out directory)`);
      if (flags.run === undefined && (flags.numEnvs !== undefined || flags.workers !== undefined))
        throw new UsageError('--num-envs and --workers need --run NAME (they size the envs of a training actor)');
      if (flags.workers !== undefined && flags.numEnvs !== undefined && flags.workers > flags.numEnvs)
        throw new UsageError(`--workers ${flags.workers} exceeds the ${flags.numEnvs} envs`);
      await actor(flags);
    });
}

async function actor(flags: ActorFlags): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  if (flags.run !== undefined) await initBackend();
  const broker = await Broker.connect(flags.broker, { name: NAME, log });
  const worker = flags.eval
    ? new EvalJobWorker(broker, {
        name: NAME,
        log,
        reclaimAfterMs: flags.reclaimAfter * 1000,
        // A training actor looks for a job between rollouts and does not wait for one.
        ...(flags.run !== undefined ? { blockMs: 0 } : {}),
      })
    : null;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second signal (Redis unreachable while it stops, say) ends the process at once.
    if (stopping) process.exit(130);
    stopping = true;
    log(`${NAME}: ${signal}: stopping${worker?.busy ? '; the running job goes back to the other actors' : ''}`);
    worker?.abandon();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const run = flags.run;
    // An actor whose run was started again with other settings joins it afresh.
    let rejoin = run !== undefined;
    while (run !== undefined && rejoin && !stopping) {
      const summary = await runTrainingActor({
        broker,
        run,
        log,
        ...(flags.numEnvs !== undefined ? { numEnvs: flags.numEnvs } : {}),
        ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
        stopped: () => stopping,
        ...(worker
          ? {
              betweenRollouts: async () => {
                await worker.takeOne();
              },
            }
          : {}),
      });
      rejoin = summary.rejoin;
      if (flags.json && !rejoin)
        printJsonLine({ actor: summary.actor, rollouts: summary.rollouts, chunks: summary.chunks, bytes: summary.bytes });
    }
    if (run === undefined && worker) {
      log(`${NAME}: taking evaluation jobs from ${broker.redacted} as ${worker.consumer}`);
      while (!stopping) await worker.takeOne();
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await worker?.close();
    await broker.close();
  }
  if (worker) {
    const { done, reclaimed, rejected } = worker.counts;
    log(`${NAME}: stopped; ${done} jobs done (${reclaimed} taken over from other actors), ${rejected} rejected`);
  }
}
