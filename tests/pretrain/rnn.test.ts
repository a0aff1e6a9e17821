import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { initBackend } from '../../src/nn/backend.js';
import { RnnPretrainer, odometry, trainRnn } from '../../src/pretrain/rnn.js';
import { ShardReader } from '../../src/pretrain/dataset/ShardReader.js';
import { writeTinyDataset } from './tinyDataset.js';

let root: string;
let data: string;

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'robonav-rnn-'));
  data = join(root, 'data');
  writeTinyDataset(data, { episodes: 10, length: 12 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('odometry', () => {
  it('expresses motion in the robot frame of the first pose (forward, left, Δyaw)', () => {
    const out = new Float32Array(3);
    // At yaw 0 forward is +x: moving 0.25 m along +x is 0.25 m forward.
    odometry(1, 2, 0, 1.25, 2, 0, out);
    expect(out[0]).toBeCloseTo(0.25, 6);
    expect(out[1]).toBeCloseTo(0, 6);
    expect(out[2]).toBeCloseTo(0, 6);
    // At yaw π/2 forward is −z and left is −x: a step to −x is 0.3 m to the left.
    odometry(0, 0, Math.PI / 2, -0.3, 0, Math.PI / 2, out);
    expect(out[0]).toBeCloseTo(0, 6);
    expect(out[1]).toBeCloseTo(0.3, 6);
    // Δyaw wraps into (−π, π]: from 3.0 rad to −3.0 rad is a +0.283 rad left turn.
    odometry(0, 0, 3, 0, 0, -3, out);
    expect(out[2]).toBeCloseTo(2 * Math.PI - 6, 5);
  });
});

describe('RnnPretrainer', () => {
  it('predicts [T·B, F + 3] and keeps the tensor count flat across updates (GRU and LSTM)', () => {
    for (const kind of ['gru', 'lstm'] as const) {
      const model = new RnnPretrainer(6, 4, kind, 8, 1e-3, new Rng(0));
      const features = tf.randomNormal([5 * 3, 6]) as tf.Tensor2D;
      const actions = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2], 'int32'), 4).toFloat() as tf.Tensor2D;
      const targets = tf.randomNormal([15, 9]) as tf.Tensor2D;
      const pred = model.predict(features, actions, 3);
      expect(pred.shape).toEqual([15, 9]);
      pred.dispose();
      model.trainStep(features, actions, targets, 3);
      const count = tf.memory().numTensors;
      const losses = Array.from({ length: 5 }, () => model.trainStep(features, actions, targets, 3));
      expect(tf.memory().numTensors).toBe(count);
      expect(losses[4]!).toBeLessThan(losses[0]!);
      tf.dispose([features, actions, targets]);
      model.dispose();
    }
  });
});

describe('trainRnn', () => {
  it('learns odometry from actions: loss falls and it beats constant motion on held-out scenes', async () => {
    const out = join(root, 'rnn');
    const result = await trainRnn(ShardReader.open(data), null, out, {
      core: 'gru',
      coreSize: 16,
      seqLen: 6,
      batchSize: 8,
      steps: 40,
      evalEvery: 20,
      learningRate: 1e-2,
      seed: 1,
    });
    expect(result.history).toHaveLength(2);
    expect(result.history[1]!.loss).toBeLessThan(result.history[0]!.loss);
    const { odometryRmse, constantMotionRmse } = result.val;
    // Forward motion (Δx) is set by the action alone; constant motion is wrong at every change of action.
    expect(odometryRmse[0]).toBeLessThan(constantMotionRmse[0]);
    expect(odometryRmse[2]).toBeLessThan(constantMotionRmse[2]);
    const manifest = JSON.parse(readFileSync(join(out, 'pretrain.json'), 'utf8'));
    expect(manifest).toMatchObject({ kind: 'rnn', field: 'rgb', core: { kind: 'gru', size: 16, inputSize: 128 }, actionSize: 4 });
  });

  it('rejects a sequence length no episode can fill', async () => {
    await expect(trainRnn(ShardReader.open(data), null, join(root, 'long'), { seqLen: 40, steps: 1 })).rejects.toThrow(
      /no training window of 41 frames/,
    );
  });
});
