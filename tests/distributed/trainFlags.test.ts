/**
 * Bad flags of the distributed learner and actor: a one-line error naming the flag, exit code 2,
 * nothing written. None of them reaches Redis, so no server is needed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Each case is a short-lived process; they run side by side.
describe.concurrent('robonav train --broker and robonav actor: bad flags', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-train-flags-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const url = 'redis://127.0.0.1:1/0';
  const pathBearing = path.join(tmp, 'path-bearing.json');
  writeFileSync(pathBearing, JSON.stringify({ auxiliary: [{ kind: 'pathBearing' }] }));
  const atGoal = path.join(tmp, 'at-goal.json');
  writeFileSync(atGoal, JSON.stringify({ auxiliary: [{ kind: 'inverseDynamics' }, { kind: 'atGoal' }] }));
  const stopAtGoal = path.join(tmp, 'stop-at-goal.json');
  writeFileSync(stopAtGoal, JSON.stringify({ auxiliary: [{ kind: 'stopAtGoal' }] }));

  it.each([
    [['train', '--broker', url, '--agent', 'a2c'], /--broker trains PPO only/],
    [['train', '--broker', 'http://127.0.0.1:6379'], /^robonav: --broker /],
    [['train', '--broker', 'redis://:secret@host/x'], /^robonav: --broker .*\*\*\*/],
    [['train', '--broker', url, '--max-policy-lag', '-1'], /--max-policy-lag/],
    [['train', '--broker', url, '--sync', '--max-policy-lag', '2'], /--max-policy-lag cannot be combined with --sync/],
    [['train', '--broker', url, '--sync', '--workers', '1'], /^robonav: --workers: a learner/],
    [['train', '--sync'], /^robonav: --sync needs --broker/],
    [['train', '--max-policy-lag', '2'], /^robonav: --max-policy-lag needs --broker/],
    [['train', '--broker', url, '--seeds', '1,2'], /--seeds cannot be combined with --broker/],
    [['train', '--broker', url, '--config', pathBearing], /--broker: the pathBearing auxiliary loss needs in-process rollouts/],
    [['train', '--broker', url, '--config', atGoal], /--broker: the atGoal auxiliary loss needs in-process rollouts/],
    [['train', '--broker', url, '--config', stopAtGoal], /--broker: the stopAtGoal auxiliary loss needs in-process rollouts/],
  ])('train %j exits 2 naming the flag, writing nothing', async (args, message) => {
    const out = path.join(tmp, `run-${Math.random().toString(36).slice(2)}`);
    const run = await runCli([...args, '--out', out]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('secret');
    expect(existsSync(out)).toBe(false);
  });

  it('train --broker without --out or --resume exits 2', async () => {
    const run = await runCli(['train', '--broker', url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--broker needs --out/);
  });

  it.each([
    [['actor', '--run', 'x'], /required option '--broker <url>'/],
    [['actor', '--broker', url], /say which jobs to take: --eval .*and\/or --run NAME/],
    [['actor', '--broker', url, '--num-envs', '2', '--eval'], /--num-envs and --workers need --run NAME/],
    [['actor', '--broker', 'redis://h:99999', '--run', 'x'], /^robonav: --broker /],
    [['actor', '--broker', url, '--run', 'a/b'], /^robonav: --run a\/b/],
    [['actor', '--broker', url, '--run', 'x', '--num-envs', '2', '--workers', '3'], /--workers 3 exceeds/],
  ])('actor %j exits 2 naming the flag', async (args, message) => {
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
