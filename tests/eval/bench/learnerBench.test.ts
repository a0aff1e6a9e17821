import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const cli = (args: string[]) => runCli(args);

describe('robonav bench learner', () => {
  it('--json prints the medians of the reference network as the last stdout line', async () => {
    const run = await cli(['bench', 'learner', '--backend', 'wasm', '--batch', '4', '--iters', '3', '--warmup', '1', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const json = JSON.parse(lines[lines.length - 1]);
    expect(json).toMatchObject({ backend: 'wasm', batch: 4, iters: 3, warmup: 1 });
    expect(json.forwardMs).toBeGreaterThan(0);
    expect(json.trainStepMs).toBeGreaterThan(0);
    expect(typeof json.cpu).toBe('string');
  });

  it('bad flags exit 2 naming the flag, before any work', async () => {
    const [batch, backend, threads] = await Promise.all([
      cli(['bench', 'learner', '--batch', '0']),
      cli(['bench', 'learner', '--backend', 'gpu']),
      cli(['bench', 'learner', '--threads', '9']),
    ]);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--batch/);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/--backend.*expected one of tensorflow, wasm, cpu/);
    expect(threads.code).toBe(2);
    expect(threads.stderr).toMatch(/--threads.*from 1 to 8, got "9"/);
    expect(batch.stdout + backend.stdout + threads.stdout).toBe('');
  });
});
