/**
 * The `robonav collect` and `robonav pretrain` commands end to end on a tiny PointNav-Easy dataset
 * (16×16 camera), and their argument errors (exit 2, nothing written).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';

let root: string;
let data: string;

/** `robonav …` on the wasm backend, with its last standard-output line parsed as JSON (null if it is not). */
async function robonav(...args: string[]): Promise<CliRun & { json: Record<string, unknown> | null }> {
  const r = await runCli(args, { ROBONAV_BACKEND: 'wasm' });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(last) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { ...r, json };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'robonav-pretrain-cli-'));
  data = join(root, 'data');
  // The default policy (random-move: no STOP) runs every episode to its 5-step limit; 4 episodes
  // per scene, so 40 frames span at least 2 scenes (train and held-out).
  const r = await robonav(
    'collect',
    '--env',
    'PointNav-Easy-v0',
    '--steps',
    '40',
    '--max-episode-steps',
    '5',
    '--camera-size',
    '16',
    '--seed',
    '3',
    '--out',
    data,
    '--json',
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.json).toMatchObject({ frames: 40 });
  expect(r.json!.scenes as number).toBeGreaterThanOrEqual(2);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('robonav collect', () => {
  it('records rgb, depth and semantic frames with the env own sensors, acting with random-move by default', () => {
    const index = JSON.parse(readFileSync(join(data, 'index.json'), 'utf8'));
    expect(index.fields.slice(0, 3)).toEqual([
      { name: 'rgb', dtype: 'uint8', shape: [16, 16, 3] },
      { name: 'depth', dtype: 'float32', shape: [16, 16, 1] },
      { name: 'semantic', dtype: 'uint8', shape: [16, 16, 1] },
    ]);
    expect(index.meta).toMatchObject({ env: 'PointNav-Easy-v0', policy: 'random-move', seed: 3, split: 'train' });
  });

  it('exits 2 and writes nothing on bad arguments', async () => {
    const out = join(root, 'bad');
    // A commander-level error (bad number) and a UsageError after the env exists (unknown policy).
    for (const args of [
      ['--steps', '0'],
      ['--steps', '5', '--policy', 'clever'],
    ]) {
      const r = await robonav('collect', '--env', 'PointNav-Easy-v0', '--out', out, ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    expect((await robonav('collect', '--env', 'PointNav-Easy-v0', '--steps', '5', '--out', data)).code).toBe(2);
  });
});

describe('robonav pretrain', () => {
  it('cnn --task depth prints the final val metrics as its last JSON line', async () => {
    const out = join(root, 'cnn');
    const r = await robonav(
      'pretrain',
      'cnn',
      '--task',
      'depth',
      '--data',
      data,
      '--out',
      out,
      '--steps',
      '4',
      '--batch-size',
      '8',
      '--eval-every',
      '2',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ task: 'depth', steps: 4, val: { metric: 'absRel' } });
    expect(existsSync(join(out, 'encoder', 'model.json'))).toBe(true);
  });

  it('gan prints one Fréchet figure per evaluation', async () => {
    const out = join(root, 'gan');
    const r = await robonav(
      'pretrain',
      'gan',
      '--data',
      data,
      '--out',
      out,
      '--steps',
      '2',
      '--batch-size',
      '4',
      '--eval-every',
      '1',
      '--eval-samples',
      '8',
      '--width',
      '16',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ steps: 2, fidSteps: [0, 1, 2] });
    expect((r.json!.fid as number[]).every((f) => f >= 0)).toBe(true);
  });

  it('rnn reports odometry error against constant motion', async () => {
    const out = join(root, 'rnn');
    const r = await robonav(
      'pretrain',
      'rnn',
      '--data',
      data,
      '--out',
      out,
      '--seq-len',
      '3',
      '--steps',
      '2',
      '--batch-size',
      '4',
      '--core-size',
      '8',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const val = (r.json as { val: { odometryRmse: number[]; constantMotionRmse: number[] } }).val;
    expect(val.odometryRmse).toHaveLength(3);
    expect(val.constantMotionRmse).toHaveLength(3);
  });

  it('exits 2 and writes nothing on bad arguments', async () => {
    const out = join(root, 'never');
    for (const args of [
      ['cnn', '--task', 'colour', '--data', data],
      ['rnn', '--data', data, '--encoder', join(root, 'missing')],
    ]) {
      const r = await robonav('pretrain', ...args, '--out', out);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(existsSync(out)).toBe(false);
    }
  });
});
