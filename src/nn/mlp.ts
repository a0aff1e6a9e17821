/**
 * A multilayer perceptron over a flat feature vector: Dense → activation, repeated, each layer
 * initialised orthogonally with gain √2 (CleanRL's `layer_init`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/Rng.js';
import { applyInit, GAIN } from './init.js';

export type Activation = 'tanh' | 'relu';

/** `x` [B, F] → [B, hidden.at(-1)] (or `x` itself when `hidden` is empty). */
export function mlp(x: tf.SymbolicTensor, hidden: readonly number[], activation: Activation, rng: Rng): tf.SymbolicTensor {
  let h = x;
  for (const units of hidden) {
    if (!Number.isInteger(units) || units < 1) throw new RangeError(`mlp: hidden sizes must be positive integers, got ${units}`);
    h = applyInit(tf.layers.dense({ units, activation }), h, GAIN.hidden, rng);
  }
  return h;
}
