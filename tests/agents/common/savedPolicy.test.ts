/**
 * `quantizePolicy`: float16 and uint8 copies of a PPO policy over PointNav-Easy-v0's depth camera
 * and point goal, checked on real observations of the env: the copies load through every loader,
 * their weights files are ½ and ¼ of the float32 one, and their action logits stay close to the
 * float32 policy's.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_FILE, type PolicyInfo } from '../../../agents/common/policyInfo.js';
import { loadPolicyDir, quantizePolicy, savePolicy } from '../../../agents/common/savedPolicy.js';
import { PPO } from '../../../agents/ppo.js';
import { TrainedPolicy } from '../../../agents/TrainedPolicy.js';
import { make } from '../../../envs/registry.js';
import type { Observation } from '../../../src/core/Env.js';
import { FileFormatError, UsageError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/Rng.js';
import { type Box, type Dict, spaceFromJSON } from '../../../src/core/spaces.js';
import { initBackend } from '../../../src/nn/backend.js';
import { MODEL_JSON, WEIGHTS_BIN } from '../../../src/nn/fileIO.js';
import { loadPolicy } from '../../../src/eval/policies.js';

const ENV_OPTIONS = { cameraSize: 24 };
const root = mkdtempSync(path.join(tmpdir(), 'robonav-quantize-policy-'));
const src = path.join(root, 'float32');

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const ppo = new PPO(() => make('PointNav-Easy-v0', ENV_OPTIONS), { numEnvs: 1, numSteps: 8, seed: 3 });
  await savePolicy(src, ppo, { env: 'PointNav-Easy-v0', envOptions: ENV_OPTIONS });
  await ppo.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Observations of PointNav-Easy-v0 along a few random-action episodes. */
function observations(count: number): Observation[] {
  const env = make('PointNav-Easy-v0', ENV_OPTIONS);
  const rng = new Rng(7);
  const out: Observation[] = [];
  let { obs } = env.reset({ seed: 11 });
  while (out.length < count) {
    out.push(structuredClone(obs));
    const step = env.step(rng.int(4));
    obs = step.terminated || step.truncated ? env.reset({ seed: 11 + out.length }).obs : step.obs;
  }
  env.close();
  return out;
}

/** The policy model's first output (action logits) for each observation, as one array per observation. */
function logits(model: tf.LayersModel, info: PolicyInfo, batch: Observation[]): Float32Array[] {
  const spaces = (spaceFromJSON(info.observationSpace) as Dict).spaces;
  return tf.tidy(() => {
    const tensors = info.inputs.map((key) => {
      const shape = [...(spaces[key!] as Box).shape];
      return tf.stack(batch.map((o) => tf.tensor((o as Record<string, Float32Array>)[key!]!, shape, 'float32')));
    });
    const out = (model.predict(tensors) as tf.Tensor[])[0]!;
    const values = out.dataSync() as Float32Array;
    const n = out.shape[1]!;
    return batch.map((_, i) => values.slice(i * n, (i + 1) * n));
  });
}

describe('quantizePolicy', () => {
  const obs = observations(64);

  it.each([
    ['float16', 0.5, 1e-2],
    ['uint8', 0.25, 0.1],
  ] as const)(
    '%s: weights file %f of float32, policy.json notes it, logits close on real observations',
    async (dtype, ratio, tolerance) => {
      const out = path.join(root, dtype);
      const result = await quantizePolicy(src, out, dtype);
      const bytes = statSync(path.join(src, WEIGHTS_BIN)).size;
      expect(result).toEqual({ dir: out, dtype, weightBytes: statSync(path.join(out, WEIGHTS_BIN)).size });
      // Every weight of the policy is float32, so the ratio is exact.
      expect(result.weightBytes / bytes).toBe(ratio);
      expect(readdirSync(out).sort()).toEqual([MODEL_JSON, POLICY_FILE, WEIGHTS_BIN]);
      // The model files as a whole (the manifest grows by the quantisation fields): still about ½ or ¼.
      const modelBytes = (dir: string) => statSync(path.join(dir, MODEL_JSON)).size + statSync(path.join(dir, WEIGHTS_BIN)).size;
      const folderRatio = modelBytes(out) / modelBytes(src);
      expect(folderRatio).toBeGreaterThan(ratio);
      expect(folderRatio).toBeLessThan(ratio * 1.1);

      const original = await loadPolicyDir(src);
      const quantized = await loadPolicyDir(out);
      const { quantization, ...rest } = quantized.info;
      expect(quantization).toBe(dtype);
      expect(rest).toEqual(original.info);
      expect(original.info.quantization).toBeUndefined();

      const a = logits(original.model, original.info, obs);
      const b = logits(quantized.model, quantized.info, obs);
      let agree = 0;
      for (let i = 0; i < obs.length; i++) {
        for (let j = 0; j < a[i]!.length; j++) expect(Math.abs(b[i]![j]! - a[i]![j]!)).toBeLessThan(tolerance);
        const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
        if (argmax(a[i]!) === argmax(b[i]!)) agree++;
      }
      expect(agree).toBeGreaterThanOrEqual(obs.length - 2);
      original.model.dispose();
      quantized.model.dispose();
    },
  );

  it('the quantised folder loads through loadPolicy and TrainedPolicy, and acts with the tensor count flat', async () => {
    const out = path.join(root, 'uint8-load');
    await quantizePolicy(src, out, 'uint8');
    const env = make('PointNav-Easy-v0', ENV_OPTIONS);
    const policy = await loadPolicy(out, { env, seed: 1, stochastic: true });
    expect(policy).toBeInstanceOf(TrainedPolicy);
    const before = tf.memory().numTensors;
    for (let episode = 0; episode < 3; episode++) {
      let { obs: o } = env.reset({ seed: episode });
      policy.reset();
      for (let t = 0; t < 10; t++) {
        const action = await policy.act(o, env);
        expect(env.actionSpace.contains(action)).toBe(true);
        o = env.step(action).obs;
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose?.();
    env.close();
  });

  it("'float32' writes a plain copy, without a quantization note", async () => {
    const out = path.join(root, 'copy');
    await quantizePolicy(src, out, 'float32');
    // Buffer.equals: a deep equality over a megabyte of bytes would take most of a minute.
    expect(readFileSync(path.join(out, WEIGHTS_BIN)).equals(readFileSync(path.join(src, WEIGHTS_BIN)))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, POLICY_FILE), 'utf8'))).toEqual(
      JSON.parse(readFileSync(path.join(src, POLICY_FILE), 'utf8')),
    );
  });

  it('bad targets: an output that is a file or the source, a quantised or missing source; nothing written', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(quantizePolicy(src, file, 'uint8')).rejects.toThrow(new UsageError(`the output folder ${file} is a file`));
    expect(readFileSync(file, 'utf8')).toBe('x');
    await expect(quantizePolicy(src, `${src}/`, 'uint8')).rejects.toThrow(UsageError);
    const once = path.join(root, 'once');
    await quantizePolicy(src, once, 'float16');
    await expect(quantizePolicy(once, path.join(root, 'twice'), 'uint8')).rejects.toThrow(`${once} is already quantised (float16)`);
    const missing = path.join(root, 'missing');
    await expect(quantizePolicy(missing, path.join(root, 'from-missing'), 'uint8')).rejects.toThrow(
      new FileFormatError(path.join(missing, POLICY_FILE), 'missing'),
    );
    for (const name of ['twice', 'from-missing']) expect(() => statSync(path.join(root, name))).toThrow('ENOENT');
    expect(readFileSync(path.join(src, WEIGHTS_BIN)).byteLength).toBeGreaterThan(0);
  });
});
