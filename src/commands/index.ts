/**
 * Every `robonav` subcommand, in the order `robonav --help` lists them.
 * Adding a command: write `src/commands/<name>.ts` exporting `register`, then add it here.
 */
import type { Command } from 'commander';
import { register as bench } from './bench.js';
import { register as collect } from './collect.js';
import { register as envs } from './envs.js';
import { register as episodes } from './episodes.js';
import { register as evalCommand } from './eval.js';
import { register as info } from './info.js';
import { register as play } from './play.js';
import { register as pretrain } from './pretrain.js';
import { register as report } from './report.js';
import { register as render } from './render.js';
import { register as train } from './train.js';
import { register as view } from './view.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  bench,
  collect,
  envs,
  episodes,
  evalCommand,
  info,
  play,
  pretrain,
  report,
  render,
  train,
  view,
];
