/**
 * `robonav report`: curves across seeds (hand-worked grid values), evaluation lines kept apart from
 * training lines, the wall clock, the page's contents (self-contained: no script, no network
 * address) and errors for missing runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { elapsedSeconds, metricKey, runCurve } from '../../../src/eval/report/curves.js';
import { buildReport } from '../../../src/eval/report/report.js';
import { loadReplays, loadRun } from '../../../src/eval/report/runs.js';
import { niceTicks } from '../../../src/eval/report/svg.js';
import { writeBench, writeRecording, writeRuns } from './fixtures.js';
import { ROOT } from '../../helpers/cli.js';

const root = ROOT;
const work = mkdtempSync(join(tmpdir(), 'robonav-report-'));
let runs: { a: string; b: string };
const out = join(work, 'out');

beforeAll(async () => {
  runs = writeRuns(work);
  writeBench(out);
  await writeRecording(join(runs.b, 'recordings'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('learning curves', () => {
  it('reads seed-N directories in seed order and skips a half-written line', () => {
    const run = loadRun(runs.a);
    expect(run.name).toBe('A');
    expect(run.seeds.map((s) => s.label)).toEqual(['seed-1', 'seed-2']);
    // 4 training + 2 eval lines each.
    expect(run.seeds.map((s) => s.points.length)).toEqual([6, 6]);
  });

  it('keeps evaluation figures apart from the training figures of the same name', () => {
    const run = loadRun(runs.a);
    expect(metricKey(run, 'success')).toBe('eval/success');
    expect(metricKey(run, 'spl')).toBe('eval/spl');
    expect(metricKey(run, 'return')).toBe('episodeReturn');
    const success = runCurve(run, 'success', 'steps')!;
    // Seed 1 evaluates 0.5 at 200 and 1.0 at 400; seed 2 is 0.5 lower.
    expect(Array.from(success.seeds[0]!.y)).toEqual([0.5, 1]);
    expect(Array.from(success.seeds[1]!.y)).toEqual([0, 0.5]);
  });

  it('averages seeds on a common grid with a min–max band', () => {
    const curve = runCurve(loadRun(runs.a), 'return', 'steps')!;
    // Seed 1: return k at step 100k; seed 2: k + 1. Grid 100…400 (both seeds reach 400).
    expect(curve.grid[0]).toBe(100);
    expect(curve.grid[curve.grid.length - 1]).toBe(400);
    expect(curve.mean[0]).toBeCloseTo(1.5, 12);
    expect(curve.min[0]).toBe(1);
    expect(curve.max[0]).toBe(2);
    // Between updates both seeds interpolate linearly: seed 1 = x / 100, seed 2 = x / 100 + 1.
    curve.grid.forEach((x, i) => {
      expect(curve.min[i]).toBeCloseTo(x / 100, 9);
      expect(curve.max[i]).toBeCloseTo(x / 100 + 1, 9);
      expect(curve.mean[i]).toBeCloseTo(x / 100 + 0.5, 9);
    });
    expect(curve.grid).toHaveLength(100);
  });

  it('measures wall-clock from the run start; eval lines take the time of the update before', () => {
    const points = loadRun(runs.a).seeds[0]!.points;
    // First update: 100 steps at 20 steps/s = 5 s; then one update every 5 s.
    expect(Array.from(elapsedSeconds(points))).toEqual([5, 10, 10, 15, 20, 20]);
    // Without `time` or `sps` there is no clock: the wall-clock curve is absent.
    expect(runCurve(loadRun(runs.b), 'return', 'seconds')).toBeNull();
    expect(runCurve(loadRun(runs.b), 'return', 'steps')!.seeds).toHaveLength(1);
  });

  it('chooses round tick values', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 2_000_000)).toEqual([0, 500_000, 1_000_000, 1_500_000, 2_000_000]);
    expect(niceTicks(130, 970, 4)).toEqual([200, 400, 600, 800]);
  });
});

describe('buildReport', () => {
  it('holds the curves, the policies table and replays from replays.json and .rec files, with no script or network address', () => {
    const report = buildReport({ runs: [runs.a, runs.b], out, replays: 6 });
    expect(report.runs.map((r) => r.name)).toEqual(['A', 'B']);
    expect(report.tables).toHaveLength(1);
    expect(report.replays.map((r) => r.paths.map((p) => p.label))).toEqual([['random', 'oracle'], ['oracle']]);
    const html = report.html;
    // 3 metrics × 2 axes of charts + 2 replay maps.
    expect(html.match(/<svg /g)!.length).toBe(8);
    expect(html).toContain('A (2 seeds)');
    expect(html).toContain('<td>oracle</td>');
    expect(html).toContain('1.000<span class="ci">[0.800, 1.100]</span>');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('limits the replays', () => {
    expect(buildReport({ runs: [runs.b], out, replays: 1 }).replays).toHaveLength(1);
    expect(loadReplays(runs.b, 0)).toEqual([]);
  });

  it('rejects a missing run or one without metrics, naming it', () => {
    expect(() => buildReport({ runs: [join(work, 'runs', 'nope')], out })).toThrow(UsageError);
    expect(() => buildReport({ runs: [join(work, 'runs', 'nope')], out })).toThrow(`${join(work, 'runs', 'nope')}: no such run directory`);
    const empty = join(work, 'runs', 'empty');
    mkdirSync(empty, { recursive: true });
    expect(() => buildReport({ runs: [empty], out })).toThrow(`${empty}: no metrics.jsonl`);
  });
});

describe('robonav report', () => {
  it('writes report.html; a missing run exits 2 and writes nothing', () => {
    const cli = join(root, 'dist/src/cli.js');
    const ok = spawnSync(process.execPath, [cli, 'report', runs.a, '--out', out, '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    const line = JSON.parse(ok.stdout.trim().split('\n').pop()!) as { file: string; runs: Array<{ name: string; seeds: number }> };
    expect(line.runs).toEqual([{ name: 'A', seeds: 2 }]);
    expect(existsSync(line.file)).toBe(true);

    const fresh = join(work, 'fresh');
    const bad = spawnSync(process.execPath, [cli, 'report', runs.a, join(work, 'runs', 'C'), '--out', fresh], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(join(work, 'runs', 'C'));
    expect(existsSync(fresh)).toBe(false);
  });
});
