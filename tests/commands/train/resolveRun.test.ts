/**
 * `resolveRun`: every check of `robonav train`'s flags, called directly. Each bad flag is a
 * one-line UsageError naming it, before anything is written; good flags become the plan the
 * set-up builds (fresh or resumed run, run directory, run.json, envs, evaluations).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPO } from '../../../agents/ppo.js';
import { make } from '../../../envs/registry.js';
import { resolveRun, type TrainFlags } from '../../../src/commands/train/resolveRun.js';
import { UsageError } from '../../../src/core/errors.js';
import { initBackend } from '../../../src/nn/backend.js';
import { PRETRAIN_VERSION, writeManifest } from '../../../src/pretrain/pretrained.js';
import { saveCheckpoint } from '../../../src/runs/checkpoint.js';
import { writeRunFile } from '../../../src/runs/runFile.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-resolve-run-'));
const ENV = 'PointNav-Easy-v0';
const OPTIONS = { sensors: ['pointgoal'] };
/** A run directory with a run.json and a checkpoint after one update of 8 steps. */
const saved = path.join(root, 'saved');
/** A `robonav pretrain` folder (its manifest is all the plan reads). */
const encoder = path.join(root, 'pretrained');

/** A file under the temporary root holding `text`. */
function file(name: string, text: string): string {
  const p = path.join(root, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  await initBackend();
  const config = { seed: 4, numEnvs: 1, numSteps: 8, numMinibatches: 1, updateEpochs: 1 };
  const ppo = new PPO(() => make(ENV, OPTIONS), config);
  await ppo.learn(8);
  await saveCheckpoint(saved, ppo, { env: ENV, envOptions: OPTIONS });
  writeRunFile(saved, { version: 1, env: ENV, envOptions: OPTIONS, agent: 'ppo', config, steps: 8 });
  await ppo.close();
  writeManifest(encoder, { version: PRETRAIN_VERSION, kind: 'cnn', field: 'depth', inputShape: [64, 64, 1] });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveRun: a fresh run', () => {
  it('with no flags plans the quick start', async () => {
    const plan = await resolveRun({});
    expect(plan.out).toMatch(/^runs\/ppo-PointNav-Easy-v0-seed1(-\d+)?$/);
    expect(plan).toMatchObject({
      start: { kind: 'fresh' },
      run: { version: 1, env: ENV, envOptions: {}, agent: 'ppo', config: { seed: 1 }, steps: 40_960 },
      numEnvs: 8,
      workers: 0,
      viewPort: null,
      checkpointEvery: 10,
      validation: { every: 10, episodes: 20, record: null },
      testEpisodes: 100,
      deterministic: false,
      json: false,
    });
    expect(plan.run.pretrained).toBeUndefined();
  });

  it('takes the config file under --num-envs and --seed, and every other flag', async () => {
    const config = file('a2c.json', JSON.stringify({ numEnvs: 4, seed: 9, numSteps: 16, gamma: 0.9 }));
    const out = path.join(root, 'fresh');
    const plan = await resolveRun({
      env: 'TMaze-v0',
      envOptions: { cameraSize: 16 },
      agent: 'a2c',
      steps: 1e6,
      numEnvs: 2,
      seed: 3,
      config,
      out,
      workers: 2,
      evalEvery: 5,
      evalEpisodes: 3,
      record: 1,
      checkpointEvery: 7,
      testEpisodes: 0,
      deterministic: true,
      view: true,
      json: true,
    });
    expect(plan).toMatchObject({
      start: { kind: 'fresh' },
      out,
      run: {
        env: 'TMaze-v0',
        envOptions: { cameraSize: 16 },
        agent: 'a2c',
        config: { numEnvs: 2, seed: 3, numSteps: 16, gamma: 0.9 },
        steps: 1e6,
      },
      numEnvs: 2,
      workers: 2,
      viewPort: 8080,
      checkpointEvery: 7,
      validation: { every: 5, episodes: 3, record: 1 },
      testEpisodes: 0,
      deterministic: true,
      json: true,
    });
    expect(existsSync(out)).toBe(false);
    expect((await resolveRun({ out, view: '0' })).viewPort).toBe(0);
    expect((await resolveRun({ out, evalEvery: 0 })).validation).toBeNull();
  });

  it('records a pretrained start for --encoder / --freeze-encoder', async () => {
    const plan = await resolveRun({ out: path.join(root, 'enc'), encoder, freezeEncoder: true });
    expect(plan.run.pretrained).toEqual({ encoder, freezeEncoder: true, frozenLayers: [], core: null });
  });

  it.each<[string, () => TrainFlags, RegExp]>([
    ['--freeze-encoder alone', () => ({ freezeEncoder: true }), /^--freeze-encoder needs --encoder DIR$/],
    ['an unknown env', () => ({ env: 'Nope-v0' }), /^unknown env "Nope-v0"; known envs: /],
    ['env options the env rejects', () => ({ envOptions: { sensorz: ['rgb'] } }), /^--env-options \{"sensorz":\["rgb"\]\}: .*"sensorz"/],
    ['an unreadable --config', () => ({ config: path.join(root, 'nowhere.json') }), /^--config .*nowhere\.json: cannot read/],
    ['a --config that is not JSON', () => ({ config: file('broken.json', '{') }), /^--config .*broken\.json: not valid JSON/],
    [
      'an unknown config key',
      () => ({ config: file('foo.json', '{"foo":1}') }),
      /^--config .*foo\.json: .*"foo".*\(ppo accepts seed, numEnvs/,
    ],
    ['a bad config value', () => ({ config: file('gamma.json', '{"gamma":2}') }), /^--config .*gamma\.json: gamma: /],
    ['an --out that holds a run', () => ({ out: saved }), /^--out .*saved already holds a run; pass --resume/],
    ['a missing --encoder folder', () => ({ encoder: path.join(root, 'no-enc') }), /^--encoder pretrained folder .*no-enc does not exist$/],
    ['a --core folder that is no pretraining output', () => ({ core: root }), /^--core .*: .*pretrain\.json: missing/],
    ['more workers than envs', () => ({ numEnvs: 2, workers: 3 }), /^--workers 3 exceeds the 2 envs$/],
    ['a bad --view port', () => ({ view: '70000' }), /^--view: expected a port number, got "70000"$/],
    ['--record without evaluations', () => ({ record: 2, evalEvery: 0 }), /^--record needs evaluations/],
  ])('rejects %s with a UsageError naming the flag', async (_, flags, message) => {
    const out = path.join(root, 'never');
    const plan = resolveRun({ out, ...flags() });
    await expect(plan).rejects.toThrow(UsageError);
    await expect(plan).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe('resolveRun: --resume', () => {
  it('continues the run from its checkpoint with its run.json, to a new budget', async () => {
    const plan = await resolveRun({ resume: saved, steps: 64, env: ENV, agent: 'ppo', envOptions: OPTIONS });
    expect(plan).toMatchObject({
      out: saved,
      run: { env: ENV, envOptions: OPTIONS, agent: 'ppo', config: { seed: 4, numEnvs: 1 }, steps: 64 },
      numEnvs: 1,
      validation: { every: 10, episodes: 20 },
    });
    expect(plan.start.kind).toBe('resume');
    expect(plan.start.kind === 'resume' && plan.start.state).toMatchObject({ step: 8, update: 1 });
    expect((await resolveRun({ resume: saved })).run.steps).toBe(8);
  });

  /** A copy of the saved run whose run.json is `text`. */
  function runWith(name: string, text: string): string {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'run.json'), text);
    return dir;
  }

  it.each<[string, () => TrainFlags, RegExp]>([
    ['--config', () => ({ resume: saved, config: 'x.json' }), /^--config cannot be combined with --resume/],
    ['--encoder', () => ({ resume: saved, encoder }), /^--encoder, --freeze-encoder and --core start a fresh run/],
    ['--seed', () => ({ resume: saved, seed: 2 }), /^--num-envs and --seed cannot change on --resume$/],
    ['--num-envs', () => ({ resume: saved, numEnvs: 2 }), /^--num-envs and --seed cannot change on --resume$/],
    ['another --env', () => ({ resume: saved, env: 'TMaze-v0' }), /^--env TMaze-v0 does not match the resumed run \(PointNav-Easy-v0\)$/],
    ['another --agent', () => ({ resume: saved, agent: 'a2c' }), /^--agent a2c does not match the resumed run \(ppo\)$/],
    [
      'other --env-options',
      () => ({ resume: saved, envOptions: {} }),
      /^--env-options \{\} does not match the resumed run \(\{"sensors":\["pointgoal"\]\}\)$/,
    ],
    [
      'a directory without run.json',
      () => ({ resume: path.join(root, 'empty') }),
      /^--resume .*empty: .*run\.json: missing \(not a run directory\)$/,
    ],
    ['a corrupt run.json', () => ({ resume: runWith('corrupt', '{"version":') }), /^--resume .*corrupt: .*run\.json: not valid JSON/],
    [
      'a run.json of the wrong shape',
      () => ({ resume: runWith('malformed', JSON.stringify({ version: 1, env: ENV, agent: 'ppo', config: { gamma: 'high' }, steps: 8 })) }),
      /^--resume .*malformed: .*run\.json: config\.gamma: /,
    ],
    [
      'a run without a checkpoint',
      () => ({ resume: runWith('no-checkpoint', JSON.stringify({ version: 1, env: ENV, agent: 'ppo', config: {}, steps: 8 })) }),
      /^--resume .*no-checkpoint: .*checkpoint\.json: missing/,
    ],
  ])('rejects %s with a UsageError naming the flag', async (_, flags, message) => {
    const plan = resolveRun(flags());
    await expect(plan).rejects.toThrow(UsageError);
    await expect(plan).rejects.toThrow(message);
  });
});
