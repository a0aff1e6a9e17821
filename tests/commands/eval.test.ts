/** `robonav eval`: what it says about how actions were chosen, and a run whose run.json it cannot use. */
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
