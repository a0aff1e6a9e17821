/**
 * `robonav train` killed with SIGKILL at random moments and resumed with `--resume` each time: after
 * every kill the run loads (the pointer names a complete checkpoint: state and policy), at most one
 * checkpoint interval of updates is lost, and the step counter never goes back. The child processes
 * run with `ROBONAV_TEST_CHECKPOINT_PAUSE_MS`, which stretches each save, and every third kill waits
 * for a save to begin, so that kills land inside saves; the temporary folders they leave are removed
 * by a later save. The other kills wait for a first save, so that the run moves on between kills.
 * Last, a finished run is resumed, which saves its last update a second time, and killed inside
 * that save.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { initBackend } from '../../src/nn/backend.js';
import { loadCheckpoint, loadSavedPolicy } from '../../src/runs/checkpoint.js';
import { ROOT, runCli } from '../helpers/cli.js';

const KILLS = 10;
/** Each save waits this long between its steps (three pauses while its files are written, two after). */
const PAUSE_MS = 20;
/** The other kills land at most this long after a save: a few updates and their saves. */
const MAX_DELAY_MS = 500;

// The pure-JavaScript backend starts fastest, and the small pointgoal network trains fast enough on it.
const ENV = { ROBONAV_BACKEND: 'cpu', ROBONAV_TEST_CHECKPOINT_PAUSE_MS: String(PAUSE_MS) };
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const TRAIN_FLAGS = ['--checkpoint-every', '1', '--eval-every', '0', '--test-episodes', '0', '--workers', '0'];

beforeAll(async () => {
  await initBackend();
});

interface Pointer {
  dir: string;
  step: number;
  update: number;
}

const readPointer = (out: string): Pointer => JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')) as Pointer;
const temporaryFolders = (checkpoints: string): string[] => readdirSync(checkpoints).filter((e) => e.startsWith('.'));

/** The highest update among the complete lines of metrics.jsonl from byte `from` on (-1 if none). */
function lastLoggedUpdate(out: string, from: number): number {
  const lines = readFileSync(path.join(out, 'metrics.jsonl')).subarray(from).toString('utf8').split('\n').slice(0, -1);
  return Math.max(-1, ...lines.map((l) => (JSON.parse(l) as { update: number }).update));
}

/**
 * Resume the run with a budget of `steps` in a child process and SIGKILL it `delayMs` after its
 * first save has created its temporary folder (`inSave`), or after its first save has moved the pointer.
 */
async function resumeAndKill(out: string, steps: number, delayMs: number, inSave: boolean): Promise<void> {
  const checkpoints = path.join(out, 'checkpoints');
  const stale = temporaryFolders(checkpoints);
  const pointed = readPointer(out).update;
  const child = spawn(process.execPath, [CLI, 'train', '--resume', out, '--steps', String(steps), ...TRAIN_FLAGS], {
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const saving = (): boolean => temporaryFolders(checkpoints).some((e) => !stale.includes(e));
  const saved = (): boolean => readPointer(out).update > pointed;
  while (!(inSave ? saving() : saved())) {
    if (child.exitCode !== null) throw new Error(`robonav train exited with ${child.exitCode}: ${stderr}`);
    await sleep(2);
  }
  await sleep(delayMs);
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode, stderr).toBe('SIGKILL');
}

describe('robonav train killed at random moments', () => {
  it('always leaves a run that resumes, losing at most one checkpoint interval', { timeout: 180_000 }, async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-crash-'));
    const out = path.join(tmp, 'run');
    const config = path.join(tmp, 'config.json');
    // A pointgoal-only env and small updates of 2 envs × 8 steps: training starts fast and saves often.
    writeFileSync(config, JSON.stringify({ numSteps: 8, numMinibatches: 1, updateEpochs: 1 }));
    const fresh = await runCli(
      [
        'train',
        '--env',
        'PointNav-Easy-v0',
        '--env-options',
        '{"sensors":["pointgoal"]}',
        '--num-envs',
        '2',
        '--config',
        config,
        '--steps',
        '16',
        '--out',
        out,
        ...TRAIN_FLAGS,
      ],
      ENV,
    );
    expect(fresh.code, fresh.stderr).toBe(0);

    const rng = new Rng(3);
    const checkpoints = path.join(out, 'checkpoints');
    let before = readPointer(out);
    /** Kills that stopped a save while it wrote its files: it left a new temporary folder. */
    let killedInSave = 0;
    /** Temporary folders of interrupted saves, to be gone once a later save has completed. */
    let leftBehind: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const logged = statSync(path.join(out, 'metrics.jsonl')).size;
      const inSave = kill % 3 === 0;
      await resumeAndKill(out, 1e6, rng.random() * (inSave ? PAUSE_MS : MAX_DELAY_MS), inSave);

      const pointer = readPointer(out);
      const { state } = await loadCheckpoint(out);
      expect(state).toMatchObject({ step: pointer.step, update: pointer.update });
      const policy = await loadSavedPolicy(out);
      expect(policy.info.step).toBe(pointer.step);
      policy.model.dispose();
      expect(pointer.step).toBeGreaterThanOrEqual(before.step);
      // Checkpoints every update: the update logged last may be lost, never the one before it.
      expect(pointer.update).toBeGreaterThanOrEqual(lastLoggedUpdate(out, logged) - 1);

      const temporary = temporaryFolders(checkpoints);
      // Two saves completed: the first one's clean-up finished before the second began.
      if (pointer.update >= before.update + 2) for (const entry of leftBehind) expect(temporary).not.toContain(entry);
      if (temporary.some((e) => !leftBehind.includes(e))) killedInSave++;
      leftBehind = temporary;
      before = pointer;
    }
    expect(killedInSave).toBeGreaterThan(0);

    // Run to the end, then resume the finished run, which saves its last update a second time:
    // killed inside that save, and left to complete it.
    const end = before.step + 32;
    const finished = await runCli(['train', '--resume', out, '--steps', String(end), ...TRAIN_FLAGS], ENV);
    expect(finished.code, finished.stderr).toBe(0);
    expect(readPointer(out).step).toBe(end);
    // Every temporary folder and older checkpoint is gone.
    expect(readdirSync(checkpoints)).toEqual([path.basename(readPointer(out).dir)]);
    await resumeAndKill(out, end, rng.random() * PAUSE_MS, true);
    expect((await loadCheckpoint(out)).state.step).toBe(end);
    const again = await runCli(['train', '--resume', out, '--steps', String(end), ...TRAIN_FLAGS], ENV);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(checkpoints)).toEqual([path.basename(readPointer(out).dir)]);
    expect((await loadCheckpoint(out)).state.step).toBe(end);
  });
});
