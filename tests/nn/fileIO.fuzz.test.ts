/**
 * Format fuzzing of layers model folders (see tests/helpers/fuzz.ts): a small functional conv +
 * dense model saved by `saveModel`, with `model.json` mutated (its text, or a value of its
 * topology, layer calls or weights manifest made huge, negative, fractional, of another type, or
 * removed) and `weights.bin` truncated, bit-flipped or overwritten. `loadModel` must load it or
 * throw a `FileFormatError` naming a file of the folder. The same again for its float16 and uint8
 * copies (`quantizeModel`), whose manifests carry `quantization` fields (dtype, scale, min).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { loadModel, MODEL_JSON, quantizeModel, saveModel, WEIGHTS_BIN } from '../../src/nn/fileIO.js';
import { byteMutation, fuzzRuns, jsonFileMutation, mutateBytes, mutateJsonText, RSS_BOUND, readsOrNamesFile } from '../helpers/fuzz.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-fileio-fuzz-'));
const VARIANTS = ['float32', 'float16', 'uint8'] as const;
const validDir = (variant: string) => path.join(root, `valid-${variant}`);
const caseDir = (variant: string) => path.join(root, `case-${variant}`);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  // Functional, with two inputs: its topology has layer calls (inbound nodes) to mutate too.
  const image = tf.input({ shape: [8, 8, 2], name: 'image' });
  const vector = tf.input({ shape: [3], name: 'vector' });
  const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(1) }).apply(image);
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([flat, vector]) as tf.SymbolicTensor;
  const model = tf.model({
    inputs: [image, vector],
    outputs: tf.layers.dense({ units: 4, kernelInitializer: init(2) }).apply(joined) as tf.SymbolicTensor,
  });
  await saveModel(model, validDir('float32'));
  model.dispose();
  await quantizeModel(validDir('float32'), validDir('float16'), 'float16');
  await quantizeModel(validDir('float32'), validDir('uint8'), 'uint8');
  for (const variant of VARIANTS) cpSync(validDir(variant), caseDir(variant), { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Load the `variant` case folder with `name` holding `bytes`, dispose what loaded, then put the valid file back. */
async function loadWith(variant: string, name: string, bytes: Uint8Array): Promise<void> {
  const dir = caseDir(variant);
  writeFileSync(path.join(dir, name), bytes);
  try {
    await readsOrNamesFile(async () => (await loadModel(dir)).dispose(), dir);
  } finally {
    cpSync(path.join(validDir(variant), name), path.join(dir, name));
  }
}

describe.each(VARIANTS)('loadModel on mutated model folders, %s weights', (variant) => {
  let rss = 0;
  beforeAll(() => {
    rss = process.memoryUsage().rss;
  });

  it('loads the unmutated model', async () => {
    (await loadModel(caseDir(variant))).dispose();
  });

  it('a mutated model.json: text damaged, or a topology or manifest value made odd or removed', async () => {
    const text = readFileSync(path.join(validDir(variant), MODEL_JSON), 'utf8');
    await fc.assert(
      fc.asyncProperty(jsonFileMutation, (m) => loadWith(variant, MODEL_JSON, mutateJsonText(text, m))),
      fuzzRuns(120),
    );
  });

  it('a mutated weights.bin: truncated, bit-flipped, a u32 overwritten', async () => {
    const weights = readFileSync(path.join(validDir(variant), WEIGHTS_BIN));
    await fc.assert(
      fc.asyncProperty(byteMutation, (m) => loadWith(variant, WEIGHTS_BIN, mutateBytes(weights, m))),
      fuzzRuns(60),
    );
  });

  it('stays within the memory bound over every property', () => {
    expect(process.memoryUsage().rss - rss).toBeLessThan(RSS_BOUND);
  });
});
