/**
 * A `robonav pretrain`-shaped folder written directly (no pretraining run): an rgb encoder of the
 * policy's own architecture for an image box, with its manifest, for tests that start runs from it.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/Rng.js';
import type { Box } from '../../src/core/spaces.js';
import { DEFAULT_ACTOR_CRITIC } from '../../src/nn/ActorCritic.js';
import { encodeBox } from '../../src/nn/encoders.js';
import { saveModel } from '../../src/nn/fileIO.js';
import { PRETRAIN_VERSION, writeManifest } from '../../src/pretrain/pretrained.js';

/** Write the encoder for `box` (weights drawn with `seed`) to `dir`; returns its weights, layer by layer (kernel, bias). */
export async function writeEncoder(dir: string, box: Box, seed: number): Promise<number[][]> {
  const x = tf.input({ shape: [...box.shape] });
  const model = tf.model({ inputs: x, outputs: encodeBox(x, box, DEFAULT_ACTOR_CRITIC, new Rng(seed)) });
  await saveModel(model, path.join(dir, 'encoder'));
  writeManifest(dir, { version: PRETRAIN_VERSION, kind: 'cnn', field: 'rgb', inputShape: [...box.shape] });
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  return weights;
}
