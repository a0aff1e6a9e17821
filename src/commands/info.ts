/**
 * `robonav info [--json]`: the TensorFlow.js backend robonav chose (see `src/nn/backend.ts`), its
 * version, and the machine — what a bug report or a benchmark figure needs next to it.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { initBackend } from '../nn/backend.js';
import { printJsonLine } from './options.js';

/** The machine a figure was measured on. */
export interface MachineInfo {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
  };
}

export function register(program: Command): void {
  program
    .command('info')
    .description(
      'Show the TensorFlow.js backend in use (ROBONAV_BACKEND=tensorflow|wasm|cpu forces one, ROBONAV_WASM_THREADS=n sets the wasm threads), its version and the machine.',
    )
    .option('--json', 'print one JSON line: {"backend", "version", "simd", "threads", "node", "platform", "cpu", "cores"}')
    .action(async (options: { json?: boolean }) => {
      const info = { ...(await initBackend()), ...describeMachine() };
      if (options.json) {
        printJsonLine(info);
        return;
      }
      process.stdout.write(
        `${[
          `backend   ${info.backend}${info.backend === 'wasm' ? (info.simd ? ' (SIMD)' : ' (no SIMD)') : ''}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
          `tfjs      ${info.version}`,
          `node      ${info.node} (${info.platform})`,
          `cpu       ${info.cpu}, ${info.cores} cores`,
        ].join('\n')}\n`,
      );
    });
}
