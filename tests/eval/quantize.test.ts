/**
 * `compareQuantizations` and `compressPolicy` in process: the three weight types on the same
 * episodes, the same numbers for the same seed, no tensors left behind, and the choice rule.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyDir, savePolicy } from '../../agents/common/savedPolicy.js';
import { PPO } from '../../agents/ppo.js';
import { make } from '../../envs/registry.js';
import { initBackend } from '../../src/nn/backend.js';
import { compareQuantizations, compressPolicy } from '../../src/eval/quantize.js';

const ENV_OPTIONS = { cameraSize: 16 };
const root = mkdtempSync(path.join(tmpdir(), 'robonav-compress-'));
const src = path.join(root, 'policy');

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const ppo = new PPO(() => make('PointNav-Easy-v0', ENV_OPTIONS), { numEnvs: 1, numSteps: 8, seed: 9 });
  await savePolicy(src, ppo, { env: 'PointNav-Easy-v0', envOptions: ENV_OPTIONS });
  await ppo.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('compareQuantizations', () => {
  const options = { env: 'PointNav-Easy-v0', envOptions: ENV_OPTIONS, episodes: 3, seed: 4 };

  it('evaluates float32, float16 and uint8 on the same episodes; same seed, same numbers; no tensors left', async () => {
    const first = await compareQuantizations(src, options);
    const before = tf.memory().numTensors;
    const again = await compareQuantizations(src, options);
    expect(tf.memory().numTensors).toBe(before);
    expect(again).toEqual(first);
    expect(first.map((c) => [c.dtype, c.summary.episodes])).toEqual([
      ['float32', 3],
      ['float16', 3],
      ['uint8', 3],
    ]);
    const [lo, hi] = first[0]!.summary.ci95.spl;
    for (const c of first) expect(c.keepsSpl).toBe(c.summary.spl >= lo && c.summary.spl <= hi);
    expect(first[0]!.keepsSpl).toBe(true);
  });

  it('needs the env id', async () => {
    await expect(compareQuantizations(src, { episodes: 1 })).rejects.toThrow('needs the env id');
  });
});

describe('compressPolicy', () => {
  it('a fixed dtype writes that copy and evaluates nothing', async () => {
    const out = path.join(root, 'float16');
    const result = await compressPolicy(src, out, { dtype: 'float16' });
    expect(result).toMatchObject({ dir: out, dtype: 'float16', candidates: null });
    const { info, model } = await loadPolicyDir(out);
    expect(info.quantization).toBe('float16');
    model.dispose();
  });

  it('auto writes the smallest candidate that keeps the float32 SPL', async () => {
    const out = path.join(root, 'auto');
    const result = await compressPolicy(src, out, { dtype: 'auto', env: 'PointNav-Easy-v0', envOptions: ENV_OPTIONS, episodes: 2 });
    const kept = result.candidates!.filter((c) => c.keepsSpl);
    const smallest = kept.reduce((a, b) => (b.weightBytes < a.weightBytes ? b : a));
    expect(result.dtype).toBe(smallest.dtype);
    expect(result.weightBytes).toBe(smallest.weightBytes);
    const { info, model } = await loadPolicyDir(out);
    expect(info.quantization).toBe(result.dtype === 'float32' ? undefined : result.dtype);
    model.dispose();
  });
});
