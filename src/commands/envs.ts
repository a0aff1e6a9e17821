/**
 * `robonav envs [--json]`: the registered environments with their episode limit, observation and
 * action spaces and a one-line description.
 */
import type { Command } from 'commander';
import { listEnvs, make } from '../../envs/registry.js';
import { printJsonLine } from './options.js';

export function register(program: Command): void {
  program
    .command('envs')
    .description('List the registered environments: id, episode limit, observation and action spaces.')
    .option('--json', 'print one JSON line: [{"id","description","maxEpisodeSteps","observationSpace","actionSpace"}]')
    .action((flags: { json?: boolean }) => {
      const rows = listEnvs().map((entry) => {
        const env = make(entry.id);
        const row = { ...entry, observationSpace: env.observationSpace.toString(), actionSpace: env.actionSpace.toString() };
        env.close();
        return row;
      });
      if (flags.json) {
        printJsonLine(rows);
        return;
      }
      const width = Math.max(...rows.map((r) => r.id.length));
      const lines = rows.map(
        (r) =>
          `${r.id.padEnd(width)}  ${String(r.maxEpisodeSteps).padStart(4)} steps  ${r.description}\n${' '.repeat(width + 2)}obs ${r.observationSpace}\n${' '.repeat(width + 2)}act ${r.actionSpace}`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
