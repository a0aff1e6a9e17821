/**
 * `robonav actor` processes for the sharded-evaluation tests, and the tiny trained run they
 * evaluate. Actors are spawned from the built CLI (`dist/src/cli.js`) and collect their standard
 * error; `stopAll` kills whatever is left (SIGKILL) after a suite.
 *
 *   const actor = startActor(redis.url, ['--reclaim-after', '1']);
 *   await actor.waitFor(/taking evaluation jobs/);
 *   actor.child.kill('SIGKILL');
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CliRun, ROOT, runCli } from './cli.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

/** A running `robonav actor` and what it has written to standard error so far. */
export interface ActorProcess {
  child: ChildProcess;
  stderr(): string;
  /** Resolves when its standard error matches `pattern`; rejects if it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with its exit code. */
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

/** Spawn `robonav actor --broker url --eval …extra`. */
export function startActor(url: string, extra: string[] = []): ActorProcess {
  const child = spawn(process.execPath, [CLI, 'actor', '--broker', url, '--eval', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ROBONAV_BACKEND: 'wasm' },
  });
  started.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    exited,
    waitFor: async (pattern, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(err)) {
        if (child.exitCode !== null) throw new Error(`robonav actor exited with ${child.exitCode} before ${pattern}:\n${err}`);
        if (Date.now() > deadline) throw new Error(`robonav actor: no ${pattern} within ${timeoutMs} ms:\n${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** Kill every actor still running (SIGKILL) and wait for them. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    started.splice(0).map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return gone;
    }),
  );
}

/** The env options of the tiny run: the point goal only (no camera), so episodes are fast. */
export const TINY_ENV_OPTIONS = { sensors: ['pointgoal'] };

/** Train a tiny PPO run (two updates of PointNav-Easy on the point goal) into `out`. */
export function trainTinyPointGoalRun(out: string): Promise<CliRun> {
  const cfg = `${out}.json`;
  writeFileSync(cfg, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1 }));
  return runCli(
    [
      'train',
      '--env',
      'PointNav-Easy-v0',
      '--env-options',
      JSON.stringify(TINY_ENV_OPTIONS),
      '--steps',
      '32',
      '--num-envs',
      '2',
      '--eval-every',
      '0',
      '--test-episodes',
      '0',
      '--config',
      cfg,
      '--out',
      out,
    ],
    { ROBONAV_BACKEND: 'wasm' },
  );
}
