import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';

function robonav(args: string[]): Promise<CliRun> {
  return runCli(args, { ROBONAV_BACKEND: 'wasm' });
}

describe('robonav train with augment in the config', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-augment-'));
  const config = (value: unknown): string => {
    const file = path.join(tmp, `cfg-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const env = ['--env', 'PointNav-Easy-v0', '--env-options', '{"sensors":["rgb","depth","pointgoal"],"cameraSize":16}'];

  it.each([
    ['an unknown kind', { augment: [{ kind: 'cutout' }] }, /: augment\[0\]\.kind: /],
    ['a bad pad', { augment: [{ kind: 'shift', pad: 0 }] }, /: augment\[0\]\.pad: /],
    ['jitter on depth', { augment: [{ kind: 'colorJitter', keys: ['depth'] }] }, /augment\[0\]\.keys\[0\]: depth and semantic/],
    ['jitter on a key the env lacks', { augment: [{ kind: 'colorJitter', keys: ['rgb2'] }] }, /colorJitter\.keys: "rgb2" is not an image/],
  ])(
    'rejects %s with exit 2 and writes nothing',
    async (_, value, message) => {
      const out = path.join(tmp, `never-${Math.random()}`);
      const r = await robonav(['train', ...env, '--config', config(value), '--steps', '16', '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    },
    120_000,
  );

  it('trains with shift and colour jitter on RGB and depth', async () => {
    const out = path.join(tmp, 'run');
    const cfg = config({
      numSteps: 16,
      numMinibatches: 2,
      updateEpochs: 1,
      network: { cnn: 'small' },
      augment: [{ kind: 'shift', pad: 1 }, { kind: 'colorJitter' }],
    });
    const r = await robonav([
      'train',
      ...env,
      '--config',
      cfg,
      '--steps',
      '32',
      '--num-envs',
      '2',
      '--eval-every',
      '0',
      '--test-episodes',
      '0',
      '--json',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ out, step: 32, updates: 1 });
  }, 300_000);
});
