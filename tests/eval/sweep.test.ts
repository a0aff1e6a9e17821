/**
 * The sweep table from hand-written metrics logs: val success at budgets (the last evaluation at or
 * before each), steps and training minutes to thresholds over the seeds that reached them, and the
 * spread over seeds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepMarkdown, tabulateSweep } from '../../src/eval/sweep.js';

const work = mkdtempSync(join(tmpdir(), 'robonav-sweep-table-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A run of updates of 100 steps at 10 SPS (10 s each) with val evaluations of the given success after updates 1, 2, 3, 4. */
function writeSeed(dir: string, successes: number[]): void {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  successes.forEach((success, i) => {
    const step = (i + 1) * 100;
    lines.push(JSON.stringify({ step, time: 1000 + step, sps: 10 }));
    lines.push(JSON.stringify({ type: 'eval', step, split: 'val', success, spl: success / 2, softSpl: 0, return: 0 }));
  });
  writeFileSync(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n{"step": 5`);
}

describe('tabulateSweep', () => {
  const arm = { name: 'arm-1', overrides: { learningRate: 0.001 }, dir: join(work, 'arm-1') };
  writeSeed(join(arm.dir, 'seed-1'), [0.2, 0.6, 0.9, 1.0]);
  writeSeed(join(arm.dir, 'seed-2'), [0.1, 0.3, 0.5, 0.7]);
  const [row] = tabulateSweep([arm], [1, 2, 3], [250, 400], [0.5, 0.9]);

  it('reads the seeds that have a log and skips a torn last line', () => {
    expect(row!.seeds).toBe(2);
    expect(row!.sps).toEqual({ mean: 10, min: 10, max: 10, seeds: 2 });
  });

  it('takes the last evaluation at or before each budget', () => {
    expect(row!.atBudget['250']).toMatchObject({ min: 0.3, max: 0.6, seeds: 2 });
    expect(row!.atBudget['250']!.mean).toBeCloseTo(0.45);
    expect(row!.atBudget['400']!.mean).toBeCloseTo(0.85);
  });

  it('counts steps and training minutes to a threshold over the seeds that reached it', () => {
    const half = row!.toThreshold['0.5']!;
    expect(half.reached).toBe(2);
    expect(half.steps).toEqual({ mean: 250, min: 200, max: 300, seeds: 2 });
    expect(half.minutes!.min).toBeCloseTo(20 / 60);
    const high = row!.toThreshold['0.9']!;
    expect(high.reached).toBe(1);
    expect(high.steps).toEqual({ mean: 300, min: 300, max: 300, seeds: 1 });
    expect(row!.finalSpl).toEqual({ mean: 0.425, min: 0.35, max: 0.5, seeds: 2 });
  });

  it('writes one Markdown row per arm with mean [min, max]', () => {
    const table = sweepMarkdown([row!], [250, 400], [0.5, 0.9]);
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('0.45 [0.30, 0.60]');
    expect(lines[2]).toContain('300 (1/2)');
  });
});
