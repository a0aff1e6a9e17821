import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { ActorCritic, DEFAULT_ACTOR_CRITIC, type ActorCriticConfig } from '../../src/nn/ActorCritic.js';
import { initBackend } from '../../src/nn/backend.js';
import type { RecurrentCore } from '../../src/nn/cores.js';
import { encodeBox } from '../../src/nn/encoders.js';
import { loadModel, saveModel } from '../../src/nn/fileIO.js';
import { Dcgan } from '../../src/pretrain/gan.js';
import {
  PRETRAIN_VERSION,
  applyPretrainedCore,
  loadPretrainedCore,
  loadPretrainedEncoder,
  readManifest,
  readPretrained,
  writeManifest,
} from '../../src/pretrain/pretrained.js';
import { trainRnn } from '../../src/pretrain/rnn.js';
import { ShardReader } from '../../src/pretrain/dataset/ShardReader.js';
import { writeTinyDataset } from './tinyDataset.js';

let root: string;
const RGB = new Box(0, 255, [16, 16, 3], 'uint8');
const OBS = new Dict({ rgb: RGB, pointgoal: new Box(-20, 20, [2]) });

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'robonav-pretrained-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function writeEncoder(dir: string, box: Box, cnn: 'small' | 'nature', seed: number): Promise<tf.LayersModel> {
  const x = tf.input({ shape: [...box.shape] });
  const model = tf.model({ inputs: x, outputs: encodeBox(x, box, { ...DEFAULT_ACTOR_CRITIC, cnn }, new Rng(seed)) });
  await saveModel(model, join(dir, 'encoder'));
  writeManifest(dir, { version: PRETRAIN_VERSION, kind: 'cnn', field: 'rgb', inputShape: [...box.shape] });
  return model;
}

/** Weight values of the layers of `model` that depend on one input only, by input name. */
function weightsOf(model: tf.LayersModel, layerNames: string[]): Float32Array[] {
  return layerNames.flatMap((n) =>
    model
      .getLayer(n)
      .getWeights()
      .map((w) => w.dataSync() as Float32Array),
  );
}

describe('loadPretrainedEncoder', () => {
  it("copies a pretrained CNN into the policy's rgb branch only, and can freeze it", async () => {
    const dir = join(root, 'cnn');
    const source = await writeEncoder(dir, RGB, 'small', 1);
    const policy = new ActorCritic(OBS, new Discrete(4), {}, new Rng(2));
    const byLayer = (): Map<string, number[][]> =>
      new Map(policy.encoder.layers.map((l) => [l.name, l.getWeights().map((w) => [...w.dataSync()])]));
    const before = byLayer();
    const trainable = policy.variables().length;
    const { layers, manifest } = await loadPretrainedEncoder(dir, policy.encoder, { freeze: true });
    expect(manifest.kind).toBe('cnn');
    expect(layers).toHaveLength(3); // conv, conv, dense of the small CNN
    const expected = source.layers.filter((l) => l.weights.length > 0).flatMap((l) => l.getWeights().map((w) => w.dataSync()));
    expect(weightsOf(policy.encoder, layers)).toEqual(expected);
    // Every other layer (the pointgoal MLP, the fusion) is untouched; the copied kernels and biases are frozen.
    for (const [name, values] of byLayer()) if (!layers.includes(name)) expect(values).toEqual(before.get(name));
    expect(policy.variables().length).toBe(trainable - 6);
    source.dispose();
  });

  it('rejects an encoder of other shapes with both architectures named, changing nothing', async () => {
    const dir = join(root, 'nature');
    const source = await writeEncoder(dir, new Box(0, 255, [64, 64, 3], 'uint8'), 'nature', 1);
    const policy = new ActorCritic(OBS, new Discrete(4), {}, new Rng(2));
    const before = policy.getWeights();
    const attempt = loadPretrainedEncoder(dir, policy.encoder, { input: 'obs_rgb' });
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(loadPretrainedEncoder(dir, policy.encoder, { input: 'obs_rgb' })).rejects.toThrow(
      /does not match the policy's "obs_rgb" encoder — pretrained: Conv2D\[8×8×3×16\]/,
    );
    expect(policy.getWeights()).toEqual(before);
    source.dispose();
  });

  it("initialises the policy's encoder from a GAN discriminator trunk", async () => {
    const dir = join(root, 'gan');
    const gan = Dcgan.create([16, 16, 3], { generatorWidth: 16, latentDim: 8, discriminator: 'encoder' }, new Rng(3));
    await gan.save(dir);
    writeManifest(dir, { version: PRETRAIN_VERSION, kind: 'gan', field: 'rgb', inputShape: [16, 16, 3] });
    const policy = new ActorCritic(OBS, new Discrete(4), {}, new Rng(2));
    const { layers } = await loadPretrainedEncoder(dir, policy.encoder);
    const trunk = ['d_conv1', 'd_conv2', 'd_dense'].flatMap((n) =>
      gan.discriminator
        .getLayer(n)
        .getWeights()
        .map((w) => w.dataSync()),
    );
    expect(weightsOf(policy.encoder, layers)).toEqual(trunk);
    gan.dispose();
  });

  it('names the folder or file that is missing', async () => {
    const policy = new ActorCritic(OBS, new Discrete(4), {}, new Rng(2));
    await expect(loadPretrainedEncoder(join(root, 'nothing'), policy.encoder)).rejects.toThrow(
      /pretrained folder .*nothing does not exist/,
    );
    expect(() => readManifest(root)).toThrow(FileFormatError);
  });

  it('names pretrain.json and the field when the manifest is malformed', () => {
    const dir = join(root, 'bad-manifest');
    writeManifest(dir, { version: PRETRAIN_VERSION, kind: 'cnn', field: 'rgb', inputShape: [16, 16, 3], steps: 5 });
    expect(readManifest(dir)).toEqual({ version: PRETRAIN_VERSION, kind: 'cnn', field: 'rgb', inputShape: [16, 16, 3], steps: 5 });
    const file = join(dir, 'pretrain.json');
    writeFileSync(file, 'null');
    expect(() => readManifest(dir)).toThrow(FileFormatError);
    expect(() => readManifest(dir)).toThrow(`${file}: (root): Invalid input: expected object, received null`);
    writeFileSync(file, JSON.stringify({ version: PRETRAIN_VERSION, kind: 'cnn', field: 'rgb', inputShape: [16, 'x', 3] }));
    expect(() => readManifest(dir)).toThrow(`${file}: inputShape[1]: Invalid input: expected number, received string`);
  });
});

describe('applyPretrainedCore', () => {
  // A real `robonav pretrain rnn` output: a GRU of 8 units over the small CNN's features of 16×16 rgb.
  const CORE = 8;
  let dir: string;
  /** The pretrained core's weights, layer by layer in the core model's order. */
  let pretrained: Float32Array[];
  let features: number;

  beforeAll(async () => {
    const data = join(root, 'rnn-data');
    writeTinyDataset(data, { episodes: 6, length: 8 });
    dir = join(root, 'rnn');
    await trainRnn(ShardReader.open(data), null, dir, {
      core: 'gru',
      coreSize: CORE,
      input: 'rgb',
      seqLen: 3,
      batchSize: 4,
      steps: 2,
      evalEvery: 2,
      valWindows: 4,
      seed: 1,
    });
    const core = await loadModel(join(dir, 'core'));
    pretrained = core.getWeights().map((w) => w.dataSync() as Float32Array);
    core.dispose();
    features = (readManifest(dir).core as { inputSize: number }).inputSize;
  });

  const gru = { core: 'gru' as const, coreSize: CORE };
  const weightsOf = (core: RecurrentCore): Float32Array[] => core.model.getWeights().map((w) => w.dataSync() as Float32Array);
  // Kernels [F, H] read the features (F ≠ H here); kernels [H, H] and the biases [H] are recurrent dynamics.
  const isInputKernel = (w: Float32Array): boolean => w.length === features * CORE;

  it('copies every weight when the policy reads the features the core was pretrained over', async () => {
    const policy = new ActorCritic(new Dict({ rgb: RGB }), new Discrete(4), gru, new Rng(2));
    await loadPretrainedEncoder(dir, policy.encoder); // the rnn run's own (fixed seeded) encoder
    const { inputWeights, reason } = await loadPretrainedCore(dir, policy);
    expect([inputWeights, reason]).toEqual([true, null]);
    expect(weightsOf(policy.core!)).toEqual(pretrained);
    expect(pretrained.filter(isInputKernel)).toHaveLength(3); // W_z, W_r, W_n
    policy.dispose();
  });

  it('copies the recurrent weights and biases only when the features differ, and says why', async () => {
    const cases: Array<[string, ActorCritic, boolean, RegExp]> = [
      [
        'fused rgb + pointgoal',
        new ActorCritic(OBS, new Discrete(4), gru, new Rng(2)),
        true,
        /fused features of rgb \+ pointgoal \(256\), not the rgb encoder features \(\d+\)/,
      ],
      [
        'rgb through a fresh encoder',
        new ActorCritic(new Dict({ rgb: RGB }), new Discrete(4), gru, new Rng(2)),
        false,
        /rgb encoder is not the one the core was pretrained over .*--encoder/,
      ],
      // The same encoder weights over frames scaled by 1/127 instead of 1/255: other features.
      [
        'rgb with other bounds',
        new ActorCritic(new Dict({ rgb: new Box(0, 127, [16, 16, 3], 'uint8') }), new Discrete(4), gru, new Rng(2)),
        true,
        /scales its rgb input by ×0\.0078\d* \+ 0, the pretraining frames were scaled by ×0\.0039\d* \+ 0/,
      ],
    ];
    for (const [name, policy, withEncoder, why] of cases) {
      if (withEncoder) await loadPretrainedEncoder(dir, policy.encoder);
      const before = weightsOf(policy.core!);
      const { inputWeights, reason } = await loadPretrainedCore(dir, policy);
      expect(inputWeights, name).toBe(false);
      expect(reason, name).toMatch(why);
      const after = weightsOf(policy.core!);
      expect(after.length, name).toBe(pretrained.length);
      // Input kernels keep the policy's initialisation (the fused one even has another size, 256 × 8).
      after.forEach((w, i) => {
        expect(w, `${name} weight ${i}`).toEqual(isInputKernel(pretrained[i]!) ? before[i] : pretrained[i]);
      });
      policy.dispose();
    }
  });

  it('rejects another kind or size naming both and how to match them, and a policy without a core, changing nothing', async () => {
    const cases: Array<[Partial<ActorCriticConfig>, RegExp]> = [
      [
        { core: 'lstm', coreSize: CORE },
        /pretrained core \(a gru core of 8 units\) does not match the policy's lstm core of 8 units — set "network": \{"core": "gru", "coreSize": 8\}.*--core lstm --core-size 8/,
      ],
      [{ core: 'gru', coreSize: 16 }, /does not match the policy's gru core of 16 units .*--core-size 16/],
      [{ core: 'none' }, /the policy has no recurrent core to start from a gru core of 8 units/],
    ];
    const module = await readPretrained(dir, 'core');
    for (const [config, message] of cases) {
      const policy = new ActorCritic(new Dict({ rgb: RGB }), new Discrete(4), config, new Rng(2));
      const before = policy.getWeights();
      expect(() => applyPretrainedCore(module, policy)).toThrow(UsageError);
      expect(() => applyPretrainedCore(module, policy)).toThrow(message);
      // Byte comparison: the small CNN's dense layer alone holds 2 M values (toEqual is slow on those).
      expect(policy.getWeights().every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(before[i]!.buffer)))).toBe(true);
      policy.dispose();
    }
    module.dispose();
  });

  it('rejects a folder without a core', async () => {
    const policy = new ActorCritic(new Dict({ rgb: RGB }), new Discrete(4), gru, new Rng(2));
    await expect(loadPretrainedCore(join(root, 'cnn'), policy)).rejects.toThrow(/a cnn run has no recurrent core/);
    policy.dispose();
  });
});
