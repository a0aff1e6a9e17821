import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runExample } from './runExample.js';

const ROW = String.raw`\d\.\d\d \[\d\.\d\d, \d\.\d\d\]`;

describe('examples/evaluate-saved-policy.ts', () => {
  const trainedDirs: string[] = [];
  afterAll(() => {
    for (const dir of trainedDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('trains briefly without a run, then evaluates a given run beside the baselines', async () => {
    const first = await runExample('evaluate-saved-policy', ['--steps', '1024', '--episodes', '3']);
    expect(first.code, first.stderr).toBe(0);
    const dir = /into (\S+)$/m.exec(first.stdout)?.[1];
    expect(dir).toBeDefined();
    trainedDirs.push(dir!);
    expect(first.stdout).toContain('PointNav-Easy-v0, test split, 3 episodes');

    const second = await runExample('evaluate-saved-policy', [dir!, '--split', 'val', '--episodes', '3']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('no run given');
    expect(second.stdout).toContain('PointNav-Easy-v0, val split, 3 episodes');
    for (const policy of ['random', 'oracle', 'trained']) expect(second.stdout).toMatch(new RegExp(`^${policy} +${ROW} +${ROW}$`, 'm'));
  });
});
