import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExample } from './runExample.js';

describe('examples/train-custom-env.ts', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'robonav-grid-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('checks the custom env, trains PPO on it with callbacks, saves the run and evaluates the saved policy', async () => {
    const run = await runExample('train-custom-env', ['--steps', '1024', '--episodes', '10', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('GridReach-v0 passes checkEnv');
    expect(run.stdout).toMatch(/^trained \d+ steps, saved to /m);
    expect(run.stdout).toMatch(/^test, 10 episodes: success \d\.\d\d \[\d\.\d\d, \d\.\d\d\], SPL \d\.\d\d \[\d\.\d\d, \d\.\d\d\]$/m);
    expect(existsSync(path.join(out, 'metrics.jsonl'))).toBe(true);
    expect(existsSync(path.join(out, 'checkpoint.json'))).toBe(true);
  });
});
