import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = path.resolve('dist/src/cli.js');

async function robonav(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [cli, ...args], { env: { ...process.env, ROBONAV_BACKEND: 'wasm' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('robonav train', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-train-'));

  it.each([
    ['an unknown config key', { numSteps: 8, foo: 1 }, /"foo"/],
    ['a bad value', { gamma: 2 }, /"gamma"/],
    ['a bad network option', { network: { core: 'rnn' } }, /"network\.core"/],
  ])('rejects %s with exit 2 and writes nothing', async (_, config, message) => {
    const file = path.join(tmp, `cfg-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify(config));
    const out = path.join(tmp, 'never');
    const r = await robonav(['train', '--config', file, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an unknown env, agent or a malformed config file with exit 2', async () => {
    expect((await robonav(['train', '--env', 'Nope-v0', '--out', path.join(tmp, 'x')])).stderr).toMatch(/unknown env "Nope-v0"/);
    expect((await robonav(['train', '--agent', 'dqn'])).code).toBe(2);
    const file = path.join(tmp, 'broken.json');
    writeFileSync(file, '{');
    const r = await robonav(['train', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
  });

  it('trains, checkpoints, resumes to a larger budget, and the policy plugs into eval', async () => {
    const out = path.join(tmp, 'run');
    const cfg = path.join(tmp, 'small.json');
    writeFileSync(cfg, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1, network: { cnn: 'small' } }));
    const common = ['--env', 'PointNav-Easy-v0', '--eval-every', '0', '--json'];
    const first = await robonav(['train', ...common, '--steps', '32', '--num-envs', '2', '--config', cfg, '--out', out]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ out, step: 32, updates: 1 });
    const again = await robonav(['train', ...common, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run/);
    const resumed = await robonav(['train', '--resume', out, '--steps', '64', '--eval-every', '0', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ step: 64, updates: 2 });
    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.type === undefined).map((m) => m.step)).toEqual([32, 64]);
    const evalRun = await robonav(['eval', '--policy', out, '--env', 'PointNav-Easy-v0', '--episodes', '2', '--json']);
    expect(evalRun.code).toBe(0);
    expect(JSON.parse(evalRun.stdout.trim().split('\n').at(-1)!)).toMatchObject({ episodes: 2 });
    const wrongEnv = await robonav(['eval', '--policy', out, '--env', 'TMaze-v0', '--episodes', '1']);
    expect(wrongEnv.code).toBe(2);
    expect(wrongEnv.stderr).toMatch(/trained on/);
  });
});
