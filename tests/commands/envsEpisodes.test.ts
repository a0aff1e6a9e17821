import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('robonav envs / episodes / eval', () => {
  it('lists the registry', async () => {
    const r = await runCli(['envs', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout.trim().split('\n').pop()!) as Array<{ id: string; maxEpisodeSteps: number; actionSpace: string }>;
    expect(rows.find((e) => e.id === 'PointNav-v0')).toMatchObject({ maxEpisodeSteps: 500, actionSpace: 'Discrete(4)' });
  });

  it('exits 2 on bad flags, naming the flag, and writes nothing', async () => {
    const out = join(dir, 'never.json');
    const cases: Array<[string[], RegExp]> = [
      [['episodes', '--count', '0', '--out', out], /--count.*expected an integer >= 1, got "0"/],
      [['episodes', '--split', 'dev', '--out', out], /--split.*expected one of train, val, test, got "dev"/],
      [['episodes', '--env', 'Nope-v0', '--out', out], /unknown env "Nope-v0"; known envs: .*PointNav-v0/],
      [['episodes', '--out', join(dir, 'no', 'such', 'dir', 'x.json')], /--out: directory .* does not exist/],
      [['eval', '--policy', 'oracle', '--episodes', 'many'], /--episodes.*expected an integer >= 1, got "many"/],
      [['eval', '--policy', 'genius', '--episodes', '1'], /unknown policy "genius"; built-in policies: random, oracle/],
      [['eval', '--policy', 'random', '--sensors', 'sonar', '--episodes', '1'], /PointNav-v0 options: sensors\[0\]: /],
    ];
    // The CLI takes a couple of seconds to start: the independent runs overlap.
    const runs = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [k, [args, message]] of cases.entries()) {
      const r = runs[k]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('writes a dataset and evaluates the oracle on it, with the JSON summary as the last line', async () => {
    const file = join(dir, 'easy.json');
    const w = await runCli(['episodes', '--env', 'PointNav-Easy-v0', '--split', 'test', '--count', '3', '--out', file, '--json']);
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout.trim().split('\n').pop()!)).toMatchObject({ episodes: 3, out: file });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, env: 'PointNav-Easy-v0', split: 'test' });

    const r = await runCli([
      'eval',
      '--policy',
      'oracle',
      '--env',
      'PointNav-Easy-v0',
      '--episodes-file',
      file,
      '--sensors',
      'pointgoal',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(Object.keys(summary)).toEqual(['episodes', 'success', 'spl', 'softSpl', 'return', 'collisions', 'pathLength', 'steps', 'ci95']);
    expect(summary.episodes).toBe(3);
    expect(summary.success).toBe(1);
    expect(summary.spl).toBeGreaterThan(0.9);
    expect(summary.ci95.spl[0]).toBeLessThanOrEqual(summary.spl);

    // An env mismatch between the file and --env is a usage error.
    const m = await runCli(['eval', '--policy', 'oracle', '--env', 'PointNav-v0', '--episodes-file', file]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/holds PointNav-Easy-v0 episodes, not PointNav-v0/);
  });
});
