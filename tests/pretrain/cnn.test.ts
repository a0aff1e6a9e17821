import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { Box } from '../../src/core/spaces.js';
import { initBackend } from '../../src/nn/backend.js';
import { CnnPretrainer, buildDecoder, trainCnn } from '../../src/pretrain/cnn.js';
import { loadModel } from '../../src/nn/fileIO.js';
import { ShardReader } from '../../src/pretrain/dataset/ShardReader.js';
import { SIDE, writeTinyDataset } from './tinyDataset.js';

let root: string;
let data: string;

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'robonav-cnn-'));
  data = join(root, 'data');
  writeTinyDataset(data);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('buildDecoder', () => {
  it('upsamples features to the frame size for 64×64 and 16×16 frames', () => {
    for (const side of [64, 16]) {
      const decoder = buildDecoder(32, [side, side], 5, new Rng(0));
      expect(decoder.outputs[0]!.shape).toEqual([null, side, side, 5]);
      decoder.dispose();
    }
  });
});

describe('CnnPretrainer', () => {
  it('keeps the tensor count flat across updates', () => {
    const model = new CnnPretrainer(
      'semantic',
      new Box(0, 255, [SIDE, SIDE, 3], 'uint8'),
      { cnn: 'small', learningRate: 1e-3, numClasses: 3 },
      new Rng(1),
    );
    const x = tf.randomUniform([4, SIDE, SIDE, 3], 0, 255) as tf.Tensor4D;
    const y = tf.ones([4, SIDE, SIDE, 1]);
    model.trainStep(x, y);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) model.trainStep(x, y);
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('trainCnn', () => {
  for (const task of ['autoencoder', 'depth', 'semantic'] as const) {
    it(`${task}: the training loss falls, val metrics come with a baseline, the encoder is saved`, async () => {
      const out = join(root, task);
      const reader = ShardReader.open(data);
      const result = await trainCnn(reader, null, out, {
        task,
        steps: 20,
        evalEvery: 10,
        batchSize: 16,
        learningRate: 3e-3,
        seed: 2,
        valFrames: 100,
      });
      const losses = result.history.map((h) => h.loss);
      expect(losses).toHaveLength(2);
      expect(losses[1]!).toBeLessThan(losses[0]!);
      expect(result.val.metric).toBe({ autoencoder: 'mse', depth: 'absRel', semantic: 'mIoU' }[task]);
      expect(result.val.frames).toBe(13); // 1 held-out scene (of 10) × 13 frames
      expect(Number.isFinite(result.val.value)).toBe(true);
      // Baselines: the mean image and a constant depth err; the majority class (floor or wall, 2
      // classes present) scores its pixel share over 2 classes, at most ½.
      if (task === 'semantic') expect(result.val.baseline).toBeGreaterThan(0.25);
      expect(result.val.baseline).toBeGreaterThan(0);
      expect(result.val.baseline).toBeLessThanOrEqual(task === 'semantic' ? 0.5 : Infinity);
      const manifest = JSON.parse(readFileSync(join(out, 'pretrain.json'), 'utf8'));
      expect(manifest).toMatchObject({ kind: 'cnn', field: 'rgb', inputShape: [SIDE, SIDE, 3], task });
      const encoder = await loadModel(join(out, 'encoder'));
      expect(encoder.outputs[0]!.shape).toEqual([null, 128]); // the agents' small CNN for 16-px frames
      encoder.dispose();
    });
  }

  it('needs two scenes or a --val set', async () => {
    const one = join(root, 'one');
    writeTinyDataset(one, { episodes: 1 });
    await expect(trainCnn(ShardReader.open(one), null, join(root, 'x'), { task: 'depth', steps: 1 })).rejects.toThrow(
      /fewer than two scenes/,
    );
  });
});
