/**
 * `robonav quantize`: float16 / uint8 copies of a saved PointNav-Easy-v0 policy that `robonav eval`
 * runs, `--dtype auto` choosing by evaluation, and bad arguments (exit 2, one line, nothing written).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savePolicy } from '../../agents/common/savedPolicy.js';
import { PPO } from '../../agents/ppo.js';
import { make } from '../../envs/registry.js';
import { initBackend } from '../../src/nn/backend.js';
import { WEIGHTS_BIN } from '../../src/nn/fileIO.js';
import { runCli } from '../helpers/cli.js';

const ENV_OPTIONS = { cameraSize: 16 };
const root = mkdtempSync(path.join(tmpdir(), 'robonav-quantize-cli-'));
const src = path.join(root, 'policy');

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const ppo = new PPO(() => make('PointNav-Easy-v0', ENV_OPTIONS), { numEnvs: 1, numSteps: 8, seed: 5 });
  await savePolicy(src, ppo, { env: 'PointNav-Easy-v0', envOptions: ENV_OPTIONS });
  await ppo.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('robonav quantize', () => {
  it('writes a uint8 copy a quarter the size, which robonav eval runs', async () => {
    const out = path.join(root, 'uint8');
    const r = await runCli(['quantize', src, '--out', out, '--dtype', 'uint8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const float32Bytes = statSync(path.join(src, WEIGHTS_BIN)).size;
    expect(lastJson(r.stdout)).toEqual({ out, dtype: 'uint8', weightBytes: float32Bytes / 4, candidates: null });

    const args = ['eval', '--env', 'PointNav-Easy-v0', '--env-options', JSON.stringify(ENV_OPTIONS), '--episodes', '3', '--json'];
    const quantized = await runCli([...args, '--policy', out]);
    expect(quantized.code, quantized.stderr).toBe(0);
    expect(lastJson(quantized.stdout)).toMatchObject({ actions: 'sampled', episodes: 3 });
  });

  it('prints where it wrote, in words, without --json', async () => {
    const out = path.join(root, 'float16');
    const r = await runCli(['quantize', src, '--out', out, '--dtype', 'float16']);
    expect(r.code, r.stderr).toBe(0);
    const bytes = statSync(path.join(src, WEIGHTS_BIN)).size / 2;
    expect(r.stdout).toBe(`wrote ${out}: float16 weights, ${bytes.toLocaleString('en-US')} bytes\n`);
  });

  it('auto: evaluates the three weight types on the same episodes and keeps the smallest inside the float32 SPL interval', async () => {
    const out = path.join(root, 'auto');
    const r = await runCli(['quantize', src, '--out', out, '--episodes', '3', '--seed', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = lastJson(r.stdout) as {
      dtype: string;
      weightBytes: number;
      candidates: Array<{ dtype: string; weightBytes: number; spl: number; ci95: { spl: [number, number] }; keepsSpl: boolean }>;
    };
    expect(result.candidates.map((c) => c.dtype)).toEqual(['float32', 'float16', 'uint8']);
    const [f32, f16, u8] = result.candidates;
    expect([f16!.weightBytes / f32!.weightBytes, u8!.weightBytes / f32!.weightBytes]).toEqual([0.5, 0.25]);
    const [lo, hi] = f32!.ci95.spl;
    for (const c of result.candidates) expect(c.keepsSpl).toBe(c.spl >= lo && c.spl <= hi);
    const expected = [u8!, f16!, f32!].find((c) => c.keepsSpl)!;
    expect(result.dtype).toBe(expected.dtype);
    expect(result.weightBytes).toBe(expected.weightBytes);
    expect(statSync(path.join(out, WEIGHTS_BIN)).size).toBe(expected.weightBytes);
  });

  it('takes a run directory: its latest checkpoint, and for auto the env and options of its run.json', async () => {
    const run = path.join(root, 'run');
    const train = await runCli([
      'train',
      '--env',
      'PointNav-Easy-v0',
      '--env-options',
      JSON.stringify(ENV_OPTIONS),
      '--steps',
      '128',
      '--num-envs',
      '1',
      '--eval-every',
      '0',
      '--test-episodes',
      '0',
      '--out',
      run,
    ]);
    expect(train.code, train.stderr).toBe(0);
    const out = path.join(root, 'from-run');
    const r = await runCli(['quantize', run, '--out', out, '--episodes', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^PointNav-Easy-v0 · test split · 2 episodes · sampled actions · seed 0\ndtype +weights \(bytes\) +success \[95% CI\] +SPL \[95% CI\]\nfloat32 /,
    );
    expect(r.stdout).toMatch(/← kept\n/);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'policy.json', 'weights.bin']);
  });

  it('a policy that does not record its env: a fixed dtype needs none, auto asks for --env (exit 2)', async () => {
    const bare = path.join(root, 'bare');
    cpSync(src, bare, { recursive: true });
    const info = JSON.parse(readFileSync(path.join(bare, 'policy.json'), 'utf8'));
    writeFileSync(path.join(bare, 'policy.json'), JSON.stringify({ ...info, meta: {} }));
    const fixed = await runCli(['quantize', bare, '--out', path.join(root, 'bare-uint8'), '--dtype', 'uint8']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const auto = await runCli(['quantize', bare, '--out', path.join(root, 'bare-auto')]);
    expect(auto.code).toBe(2);
    expect(auto.stderr).toBe(`robonav: policy ${bare} does not record its env; pass --env\n`);
    expect(existsSync(path.join(root, 'bare-auto'))).toBe(false);
  });

  it.each([
    ['an unknown --dtype', ['--dtype', 'int4'], /--dtype <dtype>' argument 'int4' is invalid/],
    ['a policy that does not exist', [], /^robonav: policy .*nowhere: is not a run, checkpoint or policy directory/, 'nowhere'],
    ['an --out that is a file', [], /^robonav: the output folder .*a-file is a file$/, undefined, 'a-file'],
    [
      'an --out inside a file',
      [],
      /^robonav: the output folder .*a-file\/sub is inside .*a-file, which is a file$/,
      undefined,
      'a-file/sub',
    ],
    ['an env that does not exist, for auto', ['--env', 'NoSuchEnv-v0'], /NoSuchEnv-v0/],
  ])('%s: exit 2, one line, nothing written', async (_, extra, message, policyName?: string, outName = 'bad-out') => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'x');
    const out = path.join(root, outName);
    const policy = policyName ? path.join(root, policyName) : src;
    const before = readdirSync(root).sort();
    const r = await runCli(['quantize', policy, '--out', out, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stdout).toBe('');
    expect(readdirSync(root).sort()).toEqual(before);
    if (!outName.startsWith('a-file')) expect(existsSync(out)).toBe(false);
  });
});
