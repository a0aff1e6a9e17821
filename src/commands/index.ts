/**
 * Every `robonav` subcommand, in the order `robonav --help` lists them.
 * Adding a command: write `src/commands/<name>.ts` exporting `register`, then add it here.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [];
