import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, type CliRun } from '../helpers/cli.js';

function robonav(args: string[]): Promise<CliRun> {
  return runCli(args, { ROBONAV_BACKEND: 'wasm' });
}

describe('robonav train', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-train-'));

  it.each([
    ['an unknown config key', { numSteps: 8, foo: 1 }, /"foo"/],
    ['a bad value', { gamma: 2 }, /: gamma: /],
    ['a bad network option', { network: { core: 'rnn' } }, /: network\.core: /],
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
    const common = ['--env', 'PointNav-Easy-v0', '--eval-every', '0', '--test-episodes', '0', '--json'];
    const first = await robonav(['train', ...common, '--steps', '32', '--num-envs', '2', '--config', cfg, '--out', out]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ out, step: 32, updates: 1 });
    const again = await robonav(['train', ...common, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run/);
    const resumed = await robonav(['train', '--resume', out, '--steps', '64', '--eval-every', '0', '--test-episodes', '0', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ step: 64, updates: 2, test: null });
    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.type === undefined).map((m) => m.step)).toEqual([32, 64]);
    const evalRun = await robonav(['eval', '--policy', out, '--env', 'PointNav-Easy-v0', '--episodes', '2', '--json']);
    expect(evalRun.code).toBe(0);
    expect(JSON.parse(evalRun.stdout.trim().split('\n').at(-1)!)).toMatchObject({ episodes: 2 });
    const wrongEnv = await robonav(['eval', '--policy', out, '--env', 'TMaze-v0', '--episodes', '1']);
    expect(wrongEnv.code).toBe(2);
    expect(wrongEnv.stderr).toMatch(/trained on/);
  });

  it('Ctrl-C with the envs in the main thread stops after the update, checkpoints it, skips the test evaluation and exits 0', async () => {
    const out = path.join(tmp, 'interrupted');
    const cfg = path.join(tmp, 'tiny.json');
    writeFileSync(cfg, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1, network: { cnn: 'small' } }));
    // A budget far beyond the test and no checkpoint or evaluation on the way: nothing but the
    // training loop itself gives the signal a chance to land. The test evaluation keeps its
    // default (100 episodes): a stopped run skips it.
    const args = [
      'train',
      '--env',
      'PointNav-Easy-v0',
      '--env-options',
      '{"cameraSize":16}',
      '--steps',
      '1000000',
      '--num-envs',
      '2',
      '--config',
      cfg,
      '--eval-every',
      '0',
      '--checkpoint-every',
      '100000',
      '--workers',
      '0',
      '--out',
      out,
    ];
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, ROBONAV_BACKEND: 'wasm' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const metrics = path.join(out, 'metrics.jsonl');
    while (!existsSync(metrics) || readFileSync(metrics, 'utf8').trim().split('\n').length < 2)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/stopping after this update/);
    expect(stderr).toMatch(/interrupted, so no test evaluation \(robonav eval --policy .* --split test --episodes 100\)/);
    const lastStep = readFileSync(metrics, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .at(-1).step;
    expect(lastStep).toBeLessThan(1_000_000);
    expect(JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8'))).toMatchObject({ step: lastStep });
  });

  it('trains with --env-options, keeps them in run.json, and eval and --resume reuse them', async () => {
    const out = path.join(tmp, 'rgb');
    const cfg = path.join(tmp, 'rgb.json');
    writeFileSync(cfg, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1, network: { cnn: 'small' } }));
    const envOptions = { sensors: ['rgb', 'pointgoal'], cameraSize: 32 };
    const args = [
      'train',
      '--env',
      'PointNav-Easy-v0',
      '--env-options',
      JSON.stringify(envOptions),
      '--steps',
      '32',
      '--num-envs',
      '2',
      '--config',
      cfg,
      '--eval-every',
      '0',
      '--test-episodes',
      '0',
      '--json',
      '--out',
      out,
    ];
    expect((await robonav(args)).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).envOptions).toEqual(envOptions);
    const dir = path.join(out, 'checkpoints', readdirSync(path.join(out, 'checkpoints')).sort().at(-1)!);
    const policy = JSON.parse(readFileSync(path.join(dir, 'policy', 'policy.json'), 'utf8')) as {
      observationSpace: { spaces: Record<string, { shape: number[] }> };
    };
    expect(Object.keys(policy.observationSpace.spaces).sort()).toEqual(['pointgoal', 'rgb']);
    expect(policy.observationSpace.spaces.rgb!.shape).toEqual([32, 32, 3]);
    // eval picks the run's options up; without them the observation spaces would differ (exit 2).
    const evalRun = await robonav(['eval', '--policy', out, '--env', 'PointNav-Easy-v0', '--episodes', '1', '--json']);
    expect(evalRun.code).toBe(0);
    expect(JSON.parse(evalRun.stdout.trim().split('\n').at(-1)!)).toMatchObject({ episodes: 1 });
    const overridden = await robonav([
      'eval',
      '--policy',
      out,
      '--env',
      'PointNav-Easy-v0',
      '--episodes',
      '1',
      '--env-options',
      '{"sensors":["pointgoal"]}',
    ]);
    expect(overridden.code).toBe(2);
    expect(overridden.stderr).toMatch(/trained on/);
    const mismatch = await robonav(['train', '--resume', out, '--env-options', '{}']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/--env-options \{\} does not match the resumed run/);
    const resumed = await robonav([
      'train',
      '--resume',
      out,
      '--steps',
      '64',
      '--eval-every',
      '1',
      '--eval-episodes',
      '1',
      '--test-episodes',
      '0',
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ step: 64, updates: 2 });
    const evals = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((m) => m.type === 'eval');
    expect(evals).toMatchObject([{ step: 64, split: 'val', episodes: 1, actions: 'sampled' }]);
  });

  it('ends with the final policy on fixed test episodes, the figures robonav eval gives, sampled unless --deterministic', async () => {
    const out = path.join(tmp, 'tested');
    const cfg = path.join(tmp, 'pointgoal.json');
    writeFileSync(cfg, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1 }));
    const envArgs = ['--env', 'PointNav-Easy-v0', '--env-options', '{"sensors":["pointgoal"]}'];
    const common = [...envArgs, '--num-envs', '2', '--config', cfg, '--eval-every', '1', '--eval-episodes', '2', '--test-episodes', '3'];
    const trained = await robonav(['train', ...common, '--steps', '32', '--out', out, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const summary = JSON.parse(trained.stdout.trim().split('\n').at(-1)!);
    expect(summary.test).toMatchObject({ actions: 'sampled', episodes: 3 });
    expect(summary.eval).toEqual(expect.objectContaining({ success: expect.any(Number), spl: expect.any(Number) }));
    // The val evaluations sample too, and say so in metrics.jsonl.
    const evals = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((m) => m.type === 'eval');
    expect(evals.map((e) => [e.step, e.split, e.actions])).toEqual([[32, 'val', 'sampled']]);
    const evaluated = await robonav(['eval', '--policy', out, '--env', 'PointNav-Easy-v0', '--split', 'test', '--episodes', '3', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!)).toEqual(summary.test);

    const resumed = await robonav([
      'train',
      '--resume',
      out,
      '--steps',
      '48',
      '--eval-every',
      '0',
      '--test-episodes',
      '2',
      '--deterministic',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      /robonav train: test \(2 episodes, most likely actions\): success \d\.\d\d \[\d\.\d\d, \d\.\d\d\], SPL \d\.\d\d \[\d\.\d\d, \d\.\d\d\]\n/,
    );
    const greedy = await robonav(['eval', '--policy', out, '--env', 'PointNav-Easy-v0', '--episodes', '2', '--deterministic']);
    expect(greedy.code, greedy.stderr).toBe(0);
    expect(greedy.stdout).toMatch(/· 2 episodes · policy .* · most likely actions · seed 0/);
  });

  it.each([
    ['bad JSON', '{"sensors":', /--env-options.*not valid JSON/],
    ['a non-object', '["rgb"]', /--env-options.*expected a JSON object/],
    ['an option the env rejects', '{"sensorz":["rgb"]}', /--env-options.*"sensorz"/],
    ['a bad option value', '{"cameraSize":"big"}', /--env-options.*cameraSize/],
  ])('rejects --env-options with %s: one line, exit 2, nothing written', async (_, json, message) => {
    const out = path.join(tmp, 'never-env');
    const commands = [
      ['train', '--env', 'PointNav-Easy-v0', '--out', out],
      ['collect', '--env', 'PointNav-Easy-v0', '--steps', '1', '--out', out],
      ['eval', '--policy', 'random', '--env', 'PointNav-Easy-v0', '--episodes', '1'],
      ['bench', 'policies', '--policies', 'random', '--env', 'PointNav-Easy-v0', '--episodes', '1', '--out', out],
    ];
    for (const command of commands) {
      const r = await robonav([...command, '--env-options', json]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });
});
