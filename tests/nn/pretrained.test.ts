import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { ActorCritic, DEFAULT_ACTOR_CRITIC } from '../../src/nn/ActorCritic.js';
import { initBackend } from '../../src/nn/backend.js';
import { RecurrentCore } from '../../src/nn/cores.js';
import { encodeBox } from '../../src/nn/encoders.js';
import { saveModel } from '../../src/nn/fileIO.js';
import { Dcgan } from '../../src/nn/gan.js';
import { PRETRAIN_VERSION, loadPretrainedCore, loadPretrainedEncoder, readManifest, writeManifest } from '../../src/nn/pretrained.js';

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
  return layerNames.flatMap((n) => model.getLayer(n).getWeights().map((w) => w.dataSync() as Float32Array));
}

describe('loadPretrainedEncoder', () => {
  it("copies a pretrained CNN into the policy's rgb branch only, and can freeze it", async () => {
    const dir = join(root, 'cnn');
    const source = await writeEncoder(dir, RGB, 'small', 1);
    const policy = new ActorCritic(OBS, new Discrete(4), {}, new Rng(2));
    const byLayer = (): Map<string, number[][]> => new Map(policy.encoder.layers.map((l) => [l.name, l.getWeights().map((w) => [...w.dataSync()])]));
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
    await expect(loadPretrainedEncoder(dir, policy.encoder, { input: 'obs_rgb' })).rejects.toThrow(/does not match the policy's "obs_rgb" encoder — pretrained: Conv2D\[8×8×3×16\]/);
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
    const trunk = ['d_conv1', 'd_conv2', 'd_dense'].flatMap((n) => gan.discriminator.getLayer(n).getWeights().map((w) => w.dataSync()));
    expect(weightsOf(policy.encoder, layers)).toEqual(trunk);
    gan.dispose();
  });

  it('names the folder or file that is missing', async () => {
    const policy = new ActorCritic(OBS, new Discrete(4), {}, new Rng(2));
    await expect(loadPretrainedEncoder(join(root, 'nothing'), policy.encoder)).rejects.toThrow(/pretrained folder .*nothing does not exist/);
    expect(() => readManifest(root)).toThrow(FileFormatError);
  });
});

describe('loadPretrainedCore', () => {
  it('copies a core of the same kind and size, and rejects another', async () => {
    const dir = join(root, 'rnn');
    const source = new RecurrentCore('gru', 12, 8, new Rng(4));
    await saveModel(source.model, join(dir, 'core'));
    writeManifest(dir, { version: PRETRAIN_VERSION, kind: 'rnn', field: 'rgb', inputShape: [16, 16, 3], core: { kind: 'gru', size: 8, inputSize: 12 } });
    const target = new RecurrentCore('gru', 12, 8, new Rng(5));
    await loadPretrainedCore(dir, target);
    expect(target.model.getWeights().map((w) => w.dataSync())).toEqual(source.model.getWeights().map((w) => w.dataSync()));
    await expect(loadPretrainedCore(dir, new RecurrentCore('lstm', 12, 8, new Rng(5)))).rejects.toThrow(/does not match the policy's lstm core/);
    await expect(loadPretrainedCore(dir, new RecurrentCore('gru', 12, 16, new Rng(5)))).rejects.toThrow(/16 units/);
  });
});
