/**
 * `robonav sweep` end to end on tiny runs: two arms × two seeds are trained into arm-K/seed-S, the
 * table lists both arms; the same command again trains nothing; a different sweep in the same
 * directory and bad grids are refused with exit 2 before anything is written; --encoder starts every
 * run from a pretrained encoder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Box } from '../../src/core/spaces.js';
import { initBackend } from '../../src/nn/backend.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { writeEncoder } from '../helpers/pretrained.js';

const work = mkdtempSync(join(tmpdir(), 'robonav-sweep-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const out = join(work, 'lr');
const config = join(work, 'base.json');
const args = (grid: string): string[] => [
  'sweep',
  '--grid',
  grid,
  '--seeds',
  '1,2',
  '--out',
  out,
  '--config',
  config,
  '--steps',
  '128',
  '--eval-every',
  '1',
  '--eval-episodes',
  '2',
  '--budgets',
  '64,128',
  '--env-options',
  '{"cameraSize":16}',
  '--json',
];

describe('robonav sweep', () => {
  it('trains every arm on every seed and tabulates them; the same command again trains nothing', async () => {
    writeFileSync(config, JSON.stringify({ numEnvs: 2, numSteps: 32, updateEpochs: 1, numMinibatches: 1 }));
    const first = await runCli(args('{"learningRate":[0.0003,0.001]}'));
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as { rows: { arm: string; seeds: number; overrides: object }[] };
    expect(summary.rows.map((r) => [r.arm, r.seeds, r.overrides])).toEqual([
      ['arm-1', 2, { learningRate: 0.0003 }],
      ['arm-2', 2, { learningRate: 0.001 }],
    ]);
    expect(JSON.parse(readFileSync(join(out, 'arm-2', 'config.json'), 'utf8'))).toMatchObject({ numEnvs: 2, learningRate: 0.001 });
    const run = JSON.parse(readFileSync(join(out, 'arm-2', 'seed-2', 'run.json'), 'utf8')) as {
      config: { seed: number; learningRate: number };
    };
    expect(run.config).toMatchObject({ seed: 2, learningRate: 0.001 });
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toContain('| arm-2 |');

    const metrics = join(out, 'arm-1', 'seed-1', 'metrics.jsonl');
    const before = statSync(metrics).size;
    const again = await runCli(args('{"learningRate":[0.0003,0.001]}'));
    expect(again.code, again.stderr).toBe(0);
    expect(statSync(metrics).size).toBe(before);
  }, 120_000);

  it('refuses another sweep in the same directory, unknown config fields and malformed grids (exit 2, nothing written)', async () => {
    const other = await runCli(args('{"learningRate":[0.01]}'));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds a different sweep');

    const fresh = join(work, 'bad');
    for (const [grid, message] of [
      ['{"learningRat":[0.01]}', 'learningRat'],
      ['{"learningRate":[]}', 'non-empty list'],
      ['{"learningRate":0.01}', 'non-empty list'],
      ['[1]', 'JSON object'],
      ['{"seed":[1,2]}', 'the seed comes from --seeds'],
    ] as const) {
      const result = await runCli(['sweep', '--grid', grid, '--seeds', '1', '--out', fresh, '--steps', '64']);
      expect(result.code, grid).toBe(2);
      expect(result.stderr, grid).toContain(message);
      expect(existsSync(fresh), grid).toBe(false);
    }
    const noSeeds = await runCli(['sweep', '--grid', '{"entCoef":[0]}', '--out', fresh]);
    expect(noSeeds.code).toBe(2);
  });

  it('--encoder starts every run from a pretrained encoder, frozen with --freeze-encoder; bad uses exit 2 and write nothing', async () => {
    await initBackend();
    const encoder = join(work, 'enc16');
    await writeEncoder(encoder, new Box(0, 255, [16, 16, 3], 'uint8'), 7);
    const pretrainedOut = join(work, 'pretrained');
    const sweep = (extra: string[], dir = pretrainedOut): Promise<CliRun> =>
      runCli([
        'sweep',
        '--grid',
        '{"numEnvs":[2]}',
        '--seeds',
        '1',
        '--out',
        dir,
        '--config',
        config,
        '--steps',
        '64',
        '--eval-every',
        '1',
        '--eval-episodes',
        '1',
        '--env-options',
        '{"cameraSize":16,"sensors":["rgb","pointgoal"]}',
        '--json',
        ...extra,
      ]);
    const r = await sweep(['--encoder', encoder, '--freeze-encoder']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(pretrainedOut, 'arm-1', 'seed-1', 'run.json'), 'utf8')) as {
      pretrained: { encoder: string; freezeEncoder: boolean; frozenLayers: number[] };
    };
    expect(run.pretrained).toMatchObject({ encoder, freezeEncoder: true });
    expect(run.pretrained.frozenLayers.length).toBeGreaterThan(0);
    const without = await sweep([]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('holds a different sweep');

    const fresh = join(work, 'bad-encoder');
    for (const [extra, message] of [
      [['--freeze-encoder'], '--freeze-encoder needs --encoder DIR'],
      [['--encoder', join(work, 'no-such-encoder')], 'no-such-encoder'],
    ] as const) {
      const bad = await sweep([...extra], fresh);
      expect(bad.code, extra.join(' ')).toBe(2);
      expect(bad.stderr, extra.join(' ')).toContain(message);
      expect(existsSync(fresh), extra.join(' ')).toBe(false);
    }
  }, 120_000);
});
