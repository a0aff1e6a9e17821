/**
 * Training on wasm with robonav's kernels: a small CNN learns, the tensor count stays flat over
 * many updates (every kernel frees its intermediates), and one optimiser step runs for every layer
 * and loss an agent or a pretraining module uses.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/nn/backend.js';

beforeAll(async () => {
  expect((await initBackend({ backend: 'wasm' })).backend).toBe('wasm');
  await tf.setBackend('wasm');
});

/** A batch of 16×16×2 images whose target is the mean brightness of their top-left quarter. */
function regressionBatch(seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([32, 16, 16, 2], 0, 1, 'float32', seed) as tf.Tensor4D;
    const y = x.slice([0, 0, 0, 0], [32, 8, 8, 2]).mean([1, 2, 3]).reshape([32, 1]).mul(4).sub(2) as tf.Tensor2D;
    return { x, y };
  });
}

function smallCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [16, 16, 2],
        filters: 8,
        kernelSize: 4,
        strides: 2,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.conv2d({
        filters: 8,
        kernelSize: 3,
        strides: 1,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
}

describe('training on wasm', () => {
  it('a small CNN lowers its loss over a few dozen Adam steps', () => {
    const model = smallCnn();
    const optimizer = tf.train.adam(3e-3);
    const { x, y } = regressionBatch(1);
    const step = (): number => {
      const loss = optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor), true) as tf.Scalar;
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    const first = step();
    let last = first;
    for (let i = 0; i < 40; i++) last = step();
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(0.3 * first);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  it('holds tf.memory().numTensors flat across repeated training steps', () => {
    const model = smallCnn();
    const optimizer = tf.train.adam(1e-3);
    const { x, y } = regressionBatch(2);
    const step = (): void => {
      optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor));
    };
    // The first steps create the optimiser's moment variables.
    step();
    step();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 15; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  it('one optimiser step runs and changes every weight, for every layer kind robonav uses', () => {
    // Image branch: conv, depthwise conv, max pool, conv2dTranspose (decoders), batch of 4.
    const image = tf.input({ shape: [12, 12, 3] });
    let h = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
      .apply(image) as tf.SymbolicTensor;
    h = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'elu' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers
      .conv2dTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' })
      .apply(h) as tf.SymbolicTensor;
    const imageFeatures = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
    // Sequence branch: embedding (gather), GRU and LSTM cores.
    const tokens = tf.input({ shape: [5] });
    let s = tf.layers.embedding({ inputDim: 7, outputDim: 6 }).apply(tokens) as tf.SymbolicTensor;
    s = tf.layers.gru({ units: 5, returnSequences: true }).apply(s) as tf.SymbolicTensor;
    s = tf.layers.lstm({ units: 4 }).apply(s) as tf.SymbolicTensor;
    const merged = tf.layers.concatenate().apply([imageFeatures, s]) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 3 }).apply(merged) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [image, tokens], outputs: logits });

    const xImage = tf.randomUniform([4, 12, 12, 3], 0, 1, 'float32', 3);
    const xTokens = tf.tensor2d([0, 1, 2, 3, 4, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 0, 6, 0, 6, 0], [4, 5]);
    const actions = tf.tensor1d([0, 2, 1, 2], 'int32');
    // Row-major positions of (sample i, action[i]) in the flattened [4, 3] log-probabilities.
    const takenIndex = tf.tensor1d([0, 5, 7, 11], 'int32');
    const advantages = tf.tensor1d([1, -0.5, 0.25, 2]);
    // A policy-gradient style loss: −log π(a) · A, with an entropy bonus, plus softmax cross-entropy.
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const out = model.apply([xImage, xTokens]) as tf.Tensor2D;
        const logProbs = tf.logSoftmax(out);
        const taken = tf.gather(logProbs.reshape([-1]), takenIndex);
        const entropy = tf.softmax(out).mul(logProbs).sum(1).neg().mean();
        const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(actions, 3), out);
        return taken.mul(advantages).neg().mean().sub(entropy.mul(0.01)).add(ce) as tf.Scalar;
      });
    for (const optimizer of [tf.train.adam(1e-2), tf.train.rmsprop(1e-2)]) {
      const before = model.getWeights().map((w) => w.dataSync().slice());
      // Gradients clipped by their global norm (max 0.5), as the agents do.
      const { value, grads } = tf.variableGrads(loss);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      tf.tidy(() => {
        const norm = tf.addN(Object.values(grads).map((g) => g.square().sum())).sqrt();
        const scale = tf.minimum(1, tf.div(0.5, norm.add(1e-6)));
        optimizer.applyGradients(Object.entries(grads).map(([name, g]) => ({ name, tensor: g.mul(scale) })));
      });
      tf.dispose([value, grads]);
      model.getWeights().forEach((w, i) => {
        expect(w.dataSync(), `weight ${i} did not change`).not.toEqual(before[i]);
      });
      optimizer.dispose();
    }
    tf.dispose([xImage, xTokens, actions, takenIndex, advantages]);
    model.dispose();
  });
});
