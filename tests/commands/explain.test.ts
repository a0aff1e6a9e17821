/** `robonav explain`: overlay PNGs and the attribution summary of a tiny run, and bad input (exit 2, nothing written). */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../src/render/png.js';
import type { ChildProcess } from 'node:child_process';
import { Recording } from '../../src/runs/Recording.js';
import { PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { runCli, serveCli, type CliRun } from '../helpers/cli.js';
import { TestClient } from '../server/TestClient.js';

function robonav(args: string[]): Promise<CliRun> {
  return runCli(args, { ROBONAV_BACKEND: 'wasm' });
}

const root = mkdtempSync(path.join(tmpdir(), 'robonav-explain-'));
const run = path.join(root, 'run');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Train a tiny PPO run (two updates of PointNav-Easy, 16×16 camera by default) with `network` into `out`. */
function trainTinyRun(out: string, network: Record<string, unknown>, envOptions: object = { cameraSize: 16 }): Promise<CliRun> {
  const cfg = `${out}.json`;
  writeFileSync(cfg, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1, network }));
  return robonav([
    'train',
    '--env',
    'PointNav-Easy-v0',
    '--env-options',
    JSON.stringify(envOptions),
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
  ]);
}

beforeAll(async () => {
  const r = await trainTinyRun(run, { cnn: 'small' });
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

describe('robonav explain', () => {
  it('writes overlay PNGs every K steps and a summary whose shares sum to 1, the same for the same seed', async () => {
    const out = path.join(root, 'out');
    const args = ['explain', run, '--episodes', '2', '--every', '20', '--ig-steps', '8', '--method', 'perturbation', '--json'];
    const r = await robonav([...args, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ env: 'PointNav-Easy-v0', method: 'perturbation', every: 20, split: 'test' });
    expect(summary.episodes).toHaveLength(2);
    expect(Object.keys(summary.attribution).sort()).toEqual(['depth', 'pointgoal']);
    const total = summary.attribution.depth.mean + summary.attribution.pointgoal.mean;
    expect(total).toBeCloseTo(1, 6);
    for (const { mean, ci95 } of Object.values(summary.attribution) as Array<{ mean: number; ci95: [number, number] }>) {
      expect(ci95[0]).toBeLessThanOrEqual(mean);
      expect(ci95[1]).toBeGreaterThanOrEqual(mean);
    }
    const pictures = readdirSync(out)
      .filter((f) => f.endsWith('.png'))
      .sort();
    // One picture per explained step (steps 0, 20, 40, … of each episode) and camera key.
    const expected = summary.episodes.reduce((n: number, e: { steps: number }) => n + Math.ceil(e.steps / 20), 0);
    expect(pictures).toHaveLength(expected);
    expect(summary.explainedSteps).toBe(expected);
    expect(pictures[0]).toBe('ep000-step0000-depth.png');
    const png = decodePng(readFileSync(path.join(out, pictures[0]!)));
    // 16 px camera enlarged to ≥ 256 px.
    expect([png.width, png.height]).toEqual([256, 256]);
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    const again = await robonav([...args, '--out', path.join(root, 'out2')]);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!).attribution).toEqual(summary.attribution);
    expect(readFileSync(path.join(root, 'out2', pictures.at(-1)!))).toEqual(readFileSync(path.join(out, pictures.at(-1)!)));
  }, 300_000);

  it.each([
    ['a run without a policy', () => [mkdirEmpty('empty'), '--env', 'PointNav-Easy-v0'], /no saved policy/],
    ['an unknown method', () => [run, '--method', 'lime'], /--method.*lime/],
    ['an --out that is a file', () => [run, '--out', fileAt('taken')], /--out: .* is not a directory/],
    ['an env whose observations do not match the policy', () => [run, '--env-options', '{"cameraSize":24}'], /was trained on/],
    ['too many integrated-gradient steps', () => [run, '--ig-steps', '5000'], /--ig-steps/],
  ])(
    'rejects %s: one line, exit 2, nothing written',
    async (_, args, message) => {
      const out = path.join(root, `never-${Math.random()}`);
      const list = args();
      const r = await robonav(['explain', ...list, ...(list.includes('--out') ? [] : ['--out', out])]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    },
    120_000,
  );
});

describe('robonav explain of a recurrent policy', () => {
  it('explains each step from the state the policy carries there', async () => {
    const gru = path.join(root, 'gru');
    const trained = await trainTinyRun(gru, { cnn: 'small', core: 'gru', coreSize: 16 });
    expect(trained.code, trained.stderr).toBe(0);
    const r = await robonav([
      'explain',
      gru,
      '--episodes',
      '1',
      '--every',
      '25',
      '--ig-steps',
      '4',
      '--method',
      'gradcam',
      '--out',
      path.join(root, 'gru-out'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.explainedSteps).toBe(Math.ceil(summary.episodes[0].steps / 25));
    expect(summary.attribution.depth.mean + summary.attribution.pointgoal.mean).toBeCloseTo(1, 6);
  }, 300_000);
});

describe('robonav explain of a policy without a camera', () => {
  it('says the policy has nothing to explain: one line, exit 2, nothing written', async () => {
    const blind = path.join(root, 'blind');
    const trained = await trainTinyRun(blind, { cnn: 'small' }, { sensors: ['pointgoal'] });
    expect(trained.code, trained.stderr).toBe(0);
    const out = path.join(root, 'never-blind');
    const r = await robonav(['explain', blind, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`robonav: ${blind}: the policy has no camera image input to explain\n`);
    expect(existsSync(out)).toBe(false);
  }, 300_000);
});

function mkdirEmpty(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function fileAt(name: string): string {
  const file = path.join(root, name);
  writeFileSync(file, 'x');
  return file;
}

describe('robonav view FILE.rec --policy RUN', () => {
  it('replays an evaluation recorded with its depth frames and sends saliency maps to a viewer that asks', async () => {
    const file = path.join(root, 'eval.rec');
    const recorded = await robonav([
      'eval',
      '--policy',
      run,
      '--env',
      'PointNav-Easy-v0',
      '--env-options',
      '{"cameraSize":16}',
      '--episodes',
      '1',
      '--deterministic',
      '--record',
      '1',
      '--record-frames',
      'depth',
      '--record-out',
      file,
    ]);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(Recording.read(file).episodes[0]!.frameKinds).toEqual(['depth']);
    const { child, url } = serveCli(['view', file, '--policy', run, '--port', '0']);
    try {
      const client = await TestClient.open(`${(await url).replace('http', 'ws')}ws`);
      expect((await client.next('hello')).saliency).toEqual(['gradcam', 'ig', 'perturbation']);
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['depth'] });
      await client.next('scene');
      client.send({ type: 'saliency', enabled: true, method: 'perturbation' });
      await client.until(() => client.frames.some((f) => f.kind === 'saliency'), 'a saliency map', 30_000);
      const map = client.frames.find((f) => f.kind === 'saliency')!;
      expect([map.width, map.height, map.channels]).toEqual([16, 16, 1]);
      expect(Math.max(...map.data)).toBe(255);
      client.close();
    } finally {
      await stop(child);
    }
  }, 300_000);

  it('rejects a --policy without a saved policy and unknown --record-frames: one line, exit 2', async () => {
    const noPolicy = await robonav(['view', run, '--policy', mkdirEmpty('nothing-here'), '--port', '0']);
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toMatch(/^robonav: --policy .*nothing-here: .*\n$/);
    const frames = await robonav(['eval', '--policy', 'oracle', '--env', 'PointNav-Easy-v0', '--record', '1', '--record-frames', 'lidar']);
    expect(frames.code).toBe(2);
    expect(frames.stderr).toMatch(/--record-frames.*lidar/);
    const out = path.join(root, 'never.rec');
    const absent = await robonav([
      'eval',
      '--policy',
      'oracle',
      '--env',
      'PointNav-Easy-v0',
      '--record',
      '1',
      '--record-frames',
      'rgb',
      '--record-out',
      out,
    ]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toBe('robonav: --record-frames: PointNav-Easy-v0 observes no rgb (its observations: depth, pointgoal)\n');
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}
