/**
 * `robonav actor --broker redis://HOST:6379/0 --eval [--reclaim-after S]`: join a Redis broker
 * and take jobs until stopped. With --eval it takes the evaluation jobs of `robonav eval … --broker`
 * and `robonav bench policies … --broker` (`EvalJobWorker`, src/distributed/evalJobs.ts): each job
 * is a slice of fixed episodes of one policy, run with the same code as a local evaluation. Any
 * number of actors, on any machines, may join and leave at any time; a job whose actor died is
 * taken over by another once it has been idle for --reclaim-after seconds.
 *
 * SIGINT or SIGTERM stops it: the running job is abandoned at the end of its episode, handed back
 * unanswered to the other actors, and the actor exits 0; a second signal ends it at once. A lost
 * Redis is waited for with back-off.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { Broker, parseBrokerUrl } from '../distributed/Broker.js';
import { EvalJobWorker } from '../distributed/evalJobs.js';
import { numberOption } from './options.js';

interface ActorFlags {
  broker: string;
  eval?: boolean;
  reclaimAfter: number;
}

const NAME = 'robonav actor';

export function register(program: Command): void {
  program
    .command('actor')
    .description('Take jobs from a Redis broker: with --eval, the episodes of robonav eval / bench policies --broker.')
    .requiredOption('--broker <url>', 'the Redis broker: redis://[user:password@]host[:port][/db] or rediss://… (TLS)')
    .option('--eval', 'take evaluation jobs (robonav eval … --broker, robonav bench policies … --broker)')
    .option(
      '--reclaim-after <seconds>',
      "take over a job another actor has not marked alive for this long (it died); actors mark theirs after every episode, so keep it above one episode's time",
      numberOption(0.1),
      60,
    )
    .action(async (flags: ActorFlags) => {
      parseBrokerUrl(flags.broker);
      if (!flags.eval) throw new UsageError('robonav actor: say which jobs to take: --eval (evaluation jobs)');
      const log = (line: string): void => {
        process.stderr.write(`${line}\n`);
      };
      const broker = await Broker.connect(flags.broker, { name: NAME, log });
      const worker = new EvalJobWorker(broker, { name: NAME, log, reclaimAfterMs: flags.reclaimAfter * 1000 });
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        // A second signal (Redis unreachable while it stops, say) ends the process at once.
        if (stopping) process.exit(130);
        stopping = true;
        log(`${NAME}: ${signal}: stopping${worker.busy ? '; the running job goes back to the other actors' : ''}`);
        worker.abandon();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      log(`${NAME}: taking evaluation jobs from ${broker.redacted} as ${worker.consumer}`);
      try {
        while (!stopping) await worker.takeOne();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await worker.close();
        await broker.close();
      }
      const { done, reclaimed, rejected } = worker.counts;
      log(`${NAME}: stopped; ${done} jobs done (${reclaimed} taken over from other actors), ${rejected} rejected`);
    });
}
