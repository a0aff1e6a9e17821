/**
 * `robonav sweep` end to end on tiny runs: two arms × two seeds are trained into arm-K/seed-S, the
 * table lists both arms; the same command again trains nothing; a different sweep in the same
 * directory and bad grids are refused with exit 2 before anything is written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

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
});
