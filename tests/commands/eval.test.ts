/** `robonav eval`: what it says about how actions were chosen, its per-episode report, and a run whose run.json it cannot use. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-eval-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('robonav eval', () => {
  it('says nothing of sampled or most likely actions for a built-in policy, which has one way to act', async () => {
    const r = await runCli(['eval', '--policy', 'oracle', '--env', 'PointNav-Easy-v0', '--episodes', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ episodes: 1, success: 1 });
    expect(summary).not.toHaveProperty('actions');
  });

  it('--per-episode reports each episode with its seed, in the JSON line and as a table', async () => {
    const args = ['eval', '--policy', 'oracle', '--env', 'PointNav-Easy-v0', '--episodes', '3', '--seed', '5', '--per-episode'];
    const json = await runCli([...args, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as {
      steps: number;
      perEpisode: Array<{ episode: number; seed: number; success: number; steps: number; spl: number }>;
    };
    expect(summary.perEpisode.map((r) => [r.episode, r.seed])).toEqual([
      [0, 5],
      [1, 6],
      [2, 7],
    ]);
    // The summary is the mean of the episodes it lists.
    expect(summary.steps).toBeCloseTo(summary.perEpisode.reduce((a, r) => a + r.steps, 0) / 3, 10);
    const table = await runCli(args);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trim().split('\n').slice(-3);
    expect(rows.map((row) => row.trim().split(/\s+/).slice(0, 2))).toEqual([
      ['0', '5'],
      ['1', '6'],
      ['2', '7'],
    ]);
    expect(rows.map((row) => Number(row.trim().split(/\s+/).at(-1)))).toEqual(summary.perEpisode.map((r) => r.steps));
  });

  it('rejects a run directory whose run.json is malformed: one line naming the file, exit 2', async () => {
    const run = path.join(root, 'broken-run');
    mkdirSync(run);
    writeFileSync(
      path.join(run, 'run.json'),
      JSON.stringify({ version: 1, env: 'PointNav-Easy-v0', agent: 'ppo', config: {}, steps: 'many' }),
    );
    const r = await runCli(['eval', '--policy', run, '--env', 'PointNav-Easy-v0', '--episodes', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `robonav: --policy ${run}: ${path.join(run, 'run.json')}: steps: Invalid input: expected number, received string\n`,
    );
  });
});
