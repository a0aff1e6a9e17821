/**
 * `robonav export-web`: what it writes (the page, the model files, the episodes and data.js that
 * holds them for file://), and bad input — a run with no policy, a policy for other observations
 * than the env, an output path that is a file, an unknown env id: one line naming the argument,
 * exit 2, nothing written.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EpisodeFileSchema } from '../../envs/episodes.js';
import { WEB_DATA_GLOBAL, WebDataSchema } from '../../src/eval/webData.js';
import { runCli } from '../helpers/cli.js';
import { saveTinyPolicy, TINY_ENV, TINY_ENV_OPTIONS } from '../web/fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-export-web-cli-'));
const policy = path.join(root, 'policy');
const envArgs = ['--env', TINY_ENV, '--env-options', JSON.stringify(TINY_ENV_OPTIONS)];

beforeAll(async () => {
  await saveTinyPolicy(policy);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs export-web with `args`, expects exit 2 and one line, and checks that `out` was not made. */
async function expectRefused(args: string[], out: string, message: RegExp): Promise<void> {
  const r = await runCli(['export-web', ...args]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
  expect(existsSync(out)).toBe(false);
}

describe('robonav export-web', () => {
  it('writes the page, the policy files, the episodes and data.js with all of them', async () => {
    const out = path.join(root, 'site');
    const r = await runCli([
      'export-web',
      policy,
      '--out',
      out,
      ...envArgs,
      '--episodes',
      '4',
      '--seed',
      '7',
      '--quantize',
      'float32',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { files: Array<{ name: string; bytes: number }>; episodes: number };
    expect(summary.episodes).toBe(4);
    const names = [
      'index.html',
      'web.js',
      'web.css',
      'tfjs-wasm.js',
      'model.json',
      'weights.bin',
      'policy.json',
      'episodes.json',
      'data.js',
    ];
    expect(summary.files.map((f) => f.name)).toEqual(names);
    expect(readdirSync(out).sort()).toEqual([...names].sort());

    const text = readFileSync(path.join(out, 'data.js'), 'utf8');
    const prefix = `window.${WEB_DATA_GLOBAL} = `;
    expect(text.startsWith(prefix)).toBe(true);
    const data = WebDataSchema.parse(JSON.parse(text.slice(prefix.length, text.lastIndexOf(';'))));
    expect(data).toMatchObject({ env: TINY_ENV, envOptions: TINY_ENV_OPTIONS, split: 'test', seed: 7, source: 'policy' });
    // The weights in data.js are the policy's, byte for byte; the episodes are the test split's first four.
    expect(Buffer.from(data.model.weights, 'base64').equals(readFileSync(path.join(policy, 'weights.bin')))).toBe(true);
    const episodes = EpisodeFileSchema.parse(JSON.parse(readFileSync(path.join(out, 'episodes.json'), 'utf8')));
    expect(episodes.episodes).toEqual(data.episodes);
    expect(episodes.episodes).toHaveLength(4);
    // The page loads data.js, then the bundle, as classic scripts (file:// refuses modules).
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(html).toMatch(/<script src="data\.js"><\/script>\s*<script src="tfjs-wasm\.js"><\/script>\s*<script src="web\.js"><\/script>/);
  }, 120_000);

  it("takes a run directory's env and env options from its run.json", async () => {
    const run = path.join(root, 'run');
    mkdirSync(run);
    cpSync(policy, path.join(run, 'policy'), { recursive: true });
    writeFileSync(
      path.join(run, 'run.json'),
      JSON.stringify({ version: 1, env: TINY_ENV, envOptions: TINY_ENV_OPTIONS, agent: 'ppo', config: {}, steps: 8 }),
    );
    const out = path.join(root, 'site-from-run');
    const r = await runCli(['export-web', run, '--out', out, '--episodes', '2', '--quantize-episodes', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      quantization: { dtype: string; candidates: Array<{ dtype: string; weightBytes: number; keepsSpl: boolean }> };
    };
    expect(summary).toMatchObject({ env: TINY_ENV, envOptions: TINY_ENV_OPTIONS, episodes: 2 });
    // The default, auto, compared the three weight types and kept the smallest that holds the SPL.
    const { dtype, candidates } = summary.quantization;
    // float16 is no candidate here: the fixture's re-centred logits hold weights beyond its ±65504.
    expect(candidates.map((c) => c.dtype)).toEqual(['float32', 'uint8']);
    const kept = candidates.filter((c) => c.keepsSpl).sort((a, b) => a.weightBytes - b.weightBytes)[0]!;
    expect(dtype).toBe(kept.dtype);
    expect(JSON.parse(readFileSync(path.join(out, 'policy.json'), 'utf8')).quantization).toBe(dtype === 'float32' ? undefined : dtype);
  }, 180_000);

  it('stores uint8 weights when asked: a quarter of the bytes, in data.js too, and the policy says so', async () => {
    const out = path.join(root, 'site-uint8');
    const r = await runCli(['export-web', policy, '--out', out, ...envArgs, '--episodes', '2', '--quantize', 'uint8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).quantization).toEqual({ dtype: 'uint8', candidates: null });
    const weights = readFileSync(path.join(out, 'weights.bin'));
    expect(weights.length).toBe(readFileSync(path.join(policy, 'weights.bin')).length / 4);
    const model = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as {
      weightsManifest: Array<{ weights: Array<{ dtype: string; quantization?: { dtype: string } }> }>;
    };
    const specs = model.weightsManifest.flatMap((g) => g.weights).filter((w) => w.dtype === 'float32');
    expect(specs.length).toBeGreaterThan(0);
    expect(specs.every((w) => w.quantization?.dtype === 'uint8')).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, 'policy.json'), 'utf8')).quantization).toBe('uint8');
    const text = readFileSync(path.join(out, 'data.js'), 'utf8');
    const data = WebDataSchema.parse(JSON.parse(text.slice(text.indexOf('=') + 1, text.lastIndexOf(';'))));
    expect(Buffer.from(data.model.weights, 'base64').equals(weights)).toBe(true);
  }, 120_000);

  it('exports a quantised policy as it is, and refuses to quantise it again', async () => {
    const quantized = path.join(root, 'policy-uint8');
    expect((await runCli(['quantize', policy, '--out', quantized, '--dtype', 'uint8'])).code).toBe(0);
    const out = path.join(root, 'site-quantized');
    const r = await runCli(['export-web', quantized, '--out', out, ...envArgs, '--episodes', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).quantization).toEqual({ dtype: 'uint8', candidates: null });
    expect(readFileSync(path.join(out, 'weights.bin')).equals(readFileSync(path.join(quantized, 'weights.bin')))).toBe(true);
    const again = path.join(root, 'out-requantize');
    await expectRefused(
      [quantized, '--out', again, ...envArgs, '--quantize', 'float16'],
      again,
      /^robonav: --quantize float16: .* is already quantised \(uint8\)/,
    );
  }, 120_000);

  it('refuses an unknown quantisation', async () => {
    const out = path.join(root, 'out-quantize');
    await expectRefused([policy, '--out', out, ...envArgs, '--quantize', 'int4'], out, /^robonav: .*--quantize.*int4/);
  }, 60_000);

  it('refuses a run with no policy', async () => {
    const empty = path.join(root, 'empty-run');
    mkdirSync(empty);
    const out = path.join(root, 'out-no-policy');
    await expectRefused([empty, '--out', out, ...envArgs], out, /^robonav: .*empty-run has no policy to export: .*policy\.json/);
  }, 60_000);

  it('refuses a policy trained on other observations than the env gives', async () => {
    const out = path.join(root, 'out-sensors');
    await expectRefused(
      [policy, '--out', out, '--env', TINY_ENV, '--env-options', JSON.stringify({ ...TINY_ENV_OPTIONS, sensors: ['pointgoal'] })],
      out,
      /^robonav: the policy of .* was trained on .* PointNav-Easy-v0 with --env-options .*"sensors":\["pointgoal"\].* has /,
    );
  }, 60_000);

  it('refuses an output path that is a file', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const r = await runCli(['export-web', policy, '--out', file, ...envArgs]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`robonav: --out ${file} is a file, not a folder\n`);
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  }, 60_000);

  it('refuses an unknown env id', async () => {
    const out = path.join(root, 'out-env');
    await expectRefused(
      [policy, '--out', out, '--env', 'NoSuchEnv-v0'],
      out,
      /^robonav: --env NoSuchEnv-v0: unknown env "NoSuchEnv-v0"; known envs: /,
    );
  }, 60_000);
});
