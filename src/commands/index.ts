/**
 * Every `robonav` subcommand, in the order `robonav --help` lists them.
 * Adding a command: write `src/commands/<name>.ts` exporting `register`, then add it here.
 *
 * Commands load lazily: `robonav envs` should not pay for importing TensorFlow.js (about a
 * second), so the CLI imports only the module of the command it runs, and all of them for help.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export interface CommandEntry {
  name: string;
  load: () => Promise<{ register: RegisterCommand }>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'actor', load: () => import('./actor.js') },
  { name: 'bench', load: () => import('./bench.js') },
  { name: 'collect', load: () => import('./collect.js') },
  { name: 'envs', load: () => import('./envs.js') },
  { name: 'episodes', load: () => import('./episodes.js') },
  { name: 'eval', load: () => import('./eval.js') },
  { name: 'explain', load: () => import('./explain.js') },
  { name: 'export-web', load: () => import('./exportWeb.js') },
  { name: 'info', load: () => import('./info.js') },
  { name: 'play', load: () => import('./play.js') },
  { name: 'pretrain', load: () => import('./pretrain.js') },
  { name: 'quantize', load: () => import('./quantize.js') },
  { name: 'report', load: () => import('./report.js') },
  { name: 'render', load: () => import('./render.js') },
  { name: 'train', load: () => import('./train.js') },
  { name: 'video', load: () => import('./video.js') },
  { name: 'view', load: () => import('./view.js') },
];
