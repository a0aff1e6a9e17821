/**
 * Option parsers shared by the subcommands. Each throws `InvalidArgumentError`, which commander
 * reports as one line naming the option; the CLI then exits with code 2 before anything runs.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { make } from '../../envs/registry.js';
import { UsageError } from '../core/errors.js';
import type { Env } from '../core/Env.js';

/** An integer ≥ `min`; accepts scientific notation such as `1e6`. */
export function integerOption(min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    }
    return n;
  };
}

/** A finite number in [min, max]. */
export function numberOption(min = -Infinity, max = Infinity): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

/** A comma-separated list, e.g. `--policies random,oracle,runs/A`. */
export function listOption(value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}

/**
 * `--env-options <json>`: a JSON object passed as the options of `make(id, options)`, e.g.
 * `'{"sensors":["rgb","pointgoal"],"cameraSize":64}'`. Only the JSON shape is checked here; the
 * env's own schema is checked by `checkEnvOptions` once the env id is known.
 */
export function envOptionsOption(value: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InvalidArgumentError(`expected a JSON object, got ${value}`);
  return json as Record<string, unknown>;
}

/**
 * Make env `id` once with `options` and close it, so an option the env rejects stops the command
 * (exit 2, one line naming --env-options) before it writes anything.
 */
export function checkEnvOptions(id: string, options: Record<string, unknown>): void {
  let env: Env;
  try {
    env = make(id, options);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`--env-options ${JSON.stringify(options)}: ${err.message}`);
    throw err;
  }
  env.close();
}

/** Print the figures of a `--json` run: one JSON object as the last line of standard output. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * The flags of a command that can run its episodes as jobs for actors on a Redis broker (`robonav
 * actor --broker URL --eval`): --broker, --broker-timeout, --job-episodes. Check them with
 * `checkBrokerFlags` (src/distributed/evalJobs.ts).
 */
export function addBrokerOptions(command: Command): Command {
  return command
    .option(
      '--broker <url>',
      'run the episodes as jobs for actors (robonav actor --broker URL --eval) on this Redis: redis://[user:password@]host[:port][/db] or rediss://…; the output is what a local run prints',
    )
    .option(
      '--broker-timeout <seconds>',
      'with --broker: give up (exit 1, the jobs deleted) after this long without an answer from any actor (default: wait; Ctrl-C ends it)',
      numberOption(1),
    )
    .option('--job-episodes <n>', 'with --broker: episodes per job (default 10)', integerOption(1));
}
