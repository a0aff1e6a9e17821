/**
 * `robonav train --encoder DIR [--freeze-encoder]`: a policy that starts from a pretrained encoder
 * (TMaze-v0: rgb 32×32 + compass, the small CNN), the weights frozen through training and a
 * resume, and the flags' bad uses rejected with exit 2 before anything is written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { writeEncoder } from '../helpers/pretrained.js';
import { Box } from '../../src/core/spaces.js';
import { initBackend } from '../../src/nn/backend.js';
import { loadSavedPolicy } from '../../src/runs/checkpoint.js';

function robonav(args: string[]): Promise<CliRun> {
  return runCli(args, { ROBONAV_BACKEND: 'wasm' });
}

let root: string;
let cfg: string;
/** The pretrained encoder's weights, layer by layer (kernel, bias). */
let pretrained: number[][];

/** Every weight array of the run's saved policy (its latest checkpoint). */
async function savedWeights(runDir: string): Promise<number[][]> {
  const { model } = await loadSavedPolicy(runDir);
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  return weights;
}

const contains = (all: number[][], w: number[]): boolean => all.some((a) => a.length === w.length && a.every((v, i) => v === w[i]));

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(path.join(tmpdir(), 'robonav-pretrained-train-'));
  pretrained = await writeEncoder(path.join(root, 'enc32'), new Box(0, 255, [32, 32, 3], 'uint8'), 7);
  await writeEncoder(path.join(root, 'enc16'), new Box(0, 255, [16, 16, 3], 'uint8'), 7);
  cfg = path.join(root, 'tiny.json');
  writeFileSync(cfg, JSON.stringify({ numSteps: 32, numMinibatches: 2, updateEpochs: 2 }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const common = ['--env', 'TMaze-v0', '--num-envs', '2', '--eval-every', '0', '--test-episodes', '0', '--json'];

describe('robonav train --encoder', () => {
  it('starts from the pretrained encoder and keeps it frozen through training and a resume', async () => {
    const out = path.join(root, 'frozen');
    const first = await robonav([
      'train',
      ...common,
      '--steps',
      '192',
      '--config',
      cfg,
      '--encoder',
      path.join(root, 'enc32'),
      '--freeze-encoder',
      '--out',
      out,
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ step: 192, updates: 3 });
    const runFile = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(runFile.pretrained).toMatchObject({ encoder: path.join(root, 'enc32'), freezeEncoder: true, core: null });
    expect(runFile.pretrained.frozenLayers).toHaveLength(3); // conv, conv, dense of the small CNN
    let saved = await savedWeights(out);
    for (const w of pretrained) expect(contains(saved, w)).toBe(true);

    const resumed = await robonav(['train', '--resume', out, '--steps', '256', '--eval-every', '0', '--test-episodes', '0', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ step: 256, updates: 4 });
    saved = await savedWeights(out);
    for (const w of pretrained) expect(contains(saved, w)).toBe(true);
  });

  it('without --freeze-encoder trains the pretrained encoder on', async () => {
    const out = path.join(root, 'tuned');
    const r = await robonav(['train', ...common, '--steps', '64', '--config', cfg, '--encoder', path.join(root, 'enc32'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const saved = await savedWeights(out);
    expect(contains(saved, pretrained[0]!)).toBe(false); // the first conv kernel moved
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).pretrained).toMatchObject({
      freezeEncoder: false,
      frozenLayers: [],
    });
  });

  it('rejects an encoder pretrained on another image size with exit 2, naming the folder, writing nothing', async () => {
    const out = path.join(root, 'mismatch');
    const dir = path.join(root, 'enc16');
    const r = await robonav(['train', ...common, '--steps', '64', '--config', cfg, '--encoder', dir, '--freeze-encoder', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--encoder ${dir}: the pretrained encoder does not match the policy's "obs_rgb" encoder`);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects bad uses of the flags with exit 2 and writes nothing', async () => {
    const out = path.join(root, 'never');
    const enc32 = path.join(root, 'enc32');
    const cases: Array<[string[], RegExp]> = [
      [['--freeze-encoder'], /--freeze-encoder needs --encoder/],
      [['--encoder', 'nowhere/enc'], /--encoder pretrained folder nowhere\/enc does not exist/],
      [['--encoder', 'tests'], /--encoder tests: .*pretrain\.json/],
      [['--core', enc32], /a cnn run has no recurrent core/],
    ];
    // Independent short processes: run them side by side.
    const results = await Promise.all([
      ...cases.map(([flags]) => robonav(['train', ...common, '--out', out, ...flags])),
      robonav(['train', '--resume', path.join(root, 'frozen'), '--encoder', enc32]),
    ]);
    cases.forEach(([, message], i) => {
      expect(results[i]!.code).toBe(2);
      expect(results[i]!.stderr).toMatch(message);
    });
    expect(results.at(-1)!.code).toBe(2);
    expect(results.at(-1)!.stderr).toMatch(/cannot be combined with --resume/);
    expect(existsSync(out)).toBe(false);
  });
});
