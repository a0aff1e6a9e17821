#!/usr/bin/env node
/**
 * The `robonav` command. Each subcommand lives in `src/commands/<name>.ts` and exports a
 * `register(program)` function; this file only wires them up and maps errors to exit codes:
 * bad arguments (commander errors, `UsageError`) print one line and exit 2, other failures exit 1.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from './core/errors.js';
import { COMMANDS } from './commands/index.js';

async function main(argv: string[]): Promise<number> {
  const program = new Command('robonav')
    .description('Reinforcement-learning robot navigation: simulate, train, evaluate, watch.')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(text.startsWith('error:') ? `robonav: ${text}` : text) });
  // Load just the command being run; help, no command or an unknown one needs them all.
  const requested = COMMANDS.find((entry) => entry.name === argv[2]);
  for (const entry of requested ? [requested] : COMMANDS) (await entry.load()).register(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version also arrive here as "errors"; they exit 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`robonav: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`robonav: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.ROBONAV_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
