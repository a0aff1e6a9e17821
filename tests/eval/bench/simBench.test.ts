import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { runSimBench, simEnvOptions } from '../../../src/eval/bench/simBench.js';
import { ROOT } from '../../helpers/cli.js';

const root = ROOT;

describe('simBench', () => {
  it('maps sensor sets to env sensors', () => {
    expect(simEnvOptions({ size: 32, sensors: 'depth', noCamera: false })).toEqual({ sensors: ['depth', 'pointgoal'], cameraSize: 32 });
    expect(simEnvOptions({ size: 64, sensors: 'rgbds', noCamera: false }).sensors).toEqual(['rgb', 'depth', 'semantic', 'pointgoal']);
    expect(simEnvOptions({ size: 64, sensors: 'rgbd', noCamera: true }).sensors).toEqual(['pointgoal']);
  });

  it('times full env steps on one thread and over worker threads', async () => {
    const one = await runSimBench({ size: 16, sensors: 'rgbd', threads: 1, steps: 60, warmup: 10 });
    expect(one).toMatchObject({ size: 16, sensors: 'rgbd', threads: 1, env: 'PointNav-v0', steps: 60 });
    expect(one.stepsPerSec).toBeGreaterThan(0);
    const two = await runSimBench({ size: 16, sensors: 'depth', threads: 2, envsPerWorker: 2, steps: 40, warmup: 8 });
    expect(two).toMatchObject({ threads: 2, sensors: 'depth' });
    expect(two.stepsPerSec).toBeGreaterThan(0);
    await expect(runSimBench({ threads: 0 })).rejects.toThrow(UsageError);
  });

  it('robonav bench sim --json prints the figures as its last line; bad flags exit 2', () => {
    const r = spawnSync(
      'node',
      ['dist/src/cli.js', 'bench', 'sim', '--size', '16', '--sensors', 'depth', '--steps', '40', '--warmup', '5', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(last).toMatchObject({ size: 16, sensors: 'depth', threads: 1 });
    expect(typeof last.stepsPerSec).toBe('number');
    const bad = spawnSync('node', ['dist/src/cli.js', 'bench', 'sim', '--sensors', 'rgbx', '--json'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--sensors/);
  });
});
