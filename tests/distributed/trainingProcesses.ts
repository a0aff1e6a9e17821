/**
 * Child processes of the distributed training tests: a learner (`robonav train --broker`) and
 * actors (`robonav actor`) as real `node dist/src/cli.js` processes, with their output collected,
 * their exit awaited, and small helpers to wait for a run's progress.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';

/** A spawned robonav process. */
export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Start `robonav ...args` (the wasm backend, as CI runs it). */
export function start(args: string[]): Proc {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ROBONAV_BACKEND: 'wasm' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Kill what is still running (SIGKILL) and wait for it. */
export async function killAll(procs: Proc[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }),
  );
}

/** The update records of a run's metrics.jsonl (evaluation lines left out). */
export function updates(out: string): Record<string, unknown>[] {
  const file = join(out, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record.type === undefined);
}

/** Poll `done` every 100 ms until it holds; throws with `what` and the processes' stderr after `ms`. */
export async function waitFor(done: () => boolean | Promise<boolean>, what: string, procs: Proc[], ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${procs.map((p) => p.stderr()).join('\n---\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The small PointNav-Easy-v0 setup every distributed training test trains: 16-pixel depth, 2 envs × 16 steps, one epoch. */
export const SMALL_ARGS = ['--env', 'PointNav-Easy-v0', '--env-options', '{"cameraSize":16}', '--num-envs', '2', '--eval-every', '0'];

/** The config file content of the small runs. */
export const SMALL_CONFIG = JSON.stringify({ numSteps: 16, numMinibatches: 2, updateEpochs: 1, network: { cnn: 'small' } });

/** What a distributed-training suite shares: its Redis, a temporary folder with the small config, and the processes to kill at the end. */
export interface TrainingSuite {
  readonly redis: RedisServer;
  tmp: string;
  /** The small config file (SMALL_CONFIG). */
  config: string;
  procs: Proc[];
}

/**
 * Start a Redis and write the small config before the suite's tests (`describe` body), and kill
 * its processes, stop Redis and remove the folder after them.
 */
export function trainingSuite(name: string): TrainingSuite {
  const tmp = mkdtempSync(join(tmpdir(), `robonav-${name}-`));
  let redis: RedisServer | null = null;
  const suite: TrainingSuite = {
    get redis(): RedisServer {
      if (redis === null) throw new Error('the suite has not started its Redis yet');
      return redis;
    },
    tmp,
    config: join(tmp, 'small.json'),
    procs: [],
  };
  beforeAll(async () => {
    redis = await startRedis();
    writeFileSync(suite.config, SMALL_CONFIG);
  });
  afterAll(async () => {
    await killAll(suite.procs);
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  return suite;
}
