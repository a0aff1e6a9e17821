/**
 * `robonav train --core DIR` end to end: `robonav collect` a tiny PointNav-Easy dataset (16×16 rgb),
 * `robonav pretrain rnn` a GRU of 8 units on it, then train policies that start from it — one that
 * reads the same features (rgb alone, `--encoder` of the same run: every weight carries over), one
 * that reads fused rgb + pointgoal features (recurrent weights and biases only, and it says so) —
 * resume one, and reject a core of another size and a policy without a core (exit 2, nothing written).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { initBackend } from '../../src/nn/backend.js';
import { loadModel } from '../../src/nn/fileIO.js';
import { loadSavedPolicy } from '../../src/runs/checkpoint.js';

function robonav(args: string[]): Promise<CliRun> {
  return runCli(args, { ROBONAV_BACKEND: 'wasm' });
}

const lastJson = (r: CliRun): Record<string, unknown> => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

let root: string;
let core: string;
/** The pretrained core's weight arrays (kernels and biases). */
let pretrained: Float32Array[];
const config = (dir: string, network: Record<string, unknown>): string => {
  const file = path.join(root, `${dir}.json`);
  // One PPO update per 32 steps (2 envs × 16), one minibatch, one epoch: weights move by about one Adam step.
  writeFileSync(file, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1, network }));
  return file;
};
const env = (sensors: string[]): string[] => [
  '--env',
  'PointNav-Easy-v0',
  '--env-options',
  JSON.stringify({ sensors, cameraSize: 16 }),
  '--num-envs',
  '2',
  '--eval-every',
  '0',
  '--test-episodes',
  '0',
];

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(path.join(tmpdir(), 'robonav-train-core-'));
  const data = path.join(root, 'data');
  core = path.join(root, 'odo');
  const collected = await robonav([
    'collect',
    '--env',
    'PointNav-Easy-v0',
    '--policy',
    'random-move',
    '--steps',
    '60',
    '--max-episode-steps',
    '8',
    '--camera-size',
    '16',
    '--sensors',
    'rgb',
    '--seed',
    '2',
    '--out',
    data,
  ]);
  expect(collected.code, collected.stderr).toBe(0);
  const trained = await robonav([
    'pretrain',
    'rnn',
    '--data',
    data,
    '--out',
    core,
    '--input',
    'rgb',
    '--core-size',
    '8',
    '--seq-len',
    '3',
    '--batch-size',
    '4',
    '--steps',
    '2',
    '--eval-every',
    '2',
    '--json',
  ]);
  expect(trained.code, trained.stderr).toBe(0);
  const model = await loadModel(path.join(core, 'core'));
  pretrained = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The largest |saved − pretrained| over the weights of the run's policy that have the pretrained array's size. */
async function distances(runDir: string): Promise<number[]> {
  const { model } = await loadSavedPolicy(runDir);
  const saved = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return pretrained.map((p) => {
    const candidates = saved.filter((s) => s.length === p.length).map((s) => s.reduce((m, v, i) => Math.max(m, Math.abs(v - p[i]!)), 0));
    return Math.min(Infinity, ...candidates);
  });
}

describe('robonav train --core', () => {
  it('starts every core weight from the pretrained one when the policy reads the same features, and resumes', async () => {
    const out = path.join(root, 'same');
    const first = await robonav([
      'train',
      ...env(['rgb']),
      '--config',
      config('same', { core: 'gru', coreSize: 8 }),
      '--encoder',
      core,
      '--core',
      core,
      '--steps',
      '32',
      '--out',
      out,
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/start fresh/);
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).pretrained).toMatchObject({
      encoder: core,
      core,
      coreInputWeights: true,
    });
    // After one update every core weight is within one Adam step (lr 2.5e-4) of the pretrained
    // value; a fresh initialisation would differ by ~0.1.
    for (const d of await distances(out)) expect(d).toBeLessThan(1e-3);

    const resumed = await robonav(['train', '--resume', out, '--steps', '64', '--eval-every', '0', '--test-episodes', '0', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed)).toMatchObject({ step: 64, updates: 2 });
  });

  it('with fused rgb + pointgoal features copies the recurrent weights and biases only, and says why', async () => {
    const out = path.join(root, 'fused');
    const r = await robonav([
      'train',
      ...env(['rgb', 'pointgoal']),
      '--config',
      config('fused', { core: 'gru', coreSize: 8 }),
      '--core',
      core,
      '--steps',
      '32',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `--core ${core}: copied the recurrent weights and biases; the input weights start fresh: the policy's core reads the fused features of rgb + pointgoal (256)`,
    );
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).pretrained).toMatchObject({ core, coreInputWeights: false });
    const d = await distances(out);
    const features = (JSON.parse(readFileSync(path.join(core, 'pretrain.json'), 'utf8')) as { core: { inputSize: number } }).core.inputSize;
    // Recurrent kernels [8, 8] and biases [8] are close to the pretrained ones; input kernels [F, 8] are not.
    pretrained.forEach((p, i) => {
      if (p.length === features * 8 && features !== 8) expect(d[i]).toBeGreaterThan(1e-2);
      else expect(d[i]).toBeLessThan(1e-3);
    });
  });

  it('rejects a core of another size and a policy without a core with exit 2, writing nothing', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'size',
        { core: 'gru', coreSize: 16 },
        /--core .*odo: the pretrained core \(a gru core of 8 units\) does not match the policy's gru core of 16 units — set "network": \{"core": "gru", "coreSize": 8\}/,
      ],
      [
        'none',
        {},
        /--core .*odo: the policy has no recurrent core to start from a gru core of 8 units \(set "network": \{"core": "gru"\} in --config\)/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([name, network]) =>
        robonav([
          'train',
          ...env(['rgb']),
          '--config',
          config(name, network),
          '--core',
          core,
          '--steps',
          '32',
          '--out',
          path.join(root, `bad-${name}`),
        ]),
      ),
    );
    cases.forEach(([name, , message], i) => {
      expect(results[i]!.code, results[i]!.stderr).toBe(2);
      expect(results[i]!.stderr).toMatch(message);
      expect(existsSync(path.join(root, `bad-${name}`))).toBe(false);
    });
  });
});
