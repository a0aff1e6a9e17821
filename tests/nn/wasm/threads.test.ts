/**
 * The multi-threaded wasm build (ROBONAV_WASM_THREADS) gives the same numbers as one thread:
 * XNNPACK splits the output among threads, each element still summed in the same order. Each run
 * is a child process, since the thread count is fixed when the backend starts.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

// A few Adam steps of a small CNN (conv, conv, dense) from fixed seeds; prints a hash of the weights.
const SCRIPT = `
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { initBackend } from './dist/src/nn/backend.js';
const { threads } = await initBackend({ backend: 'wasm' });
const model = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [24, 24, 3], filters: 8, kernelSize: 6, strides: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
] });
const optimizer = tf.train.adam(1e-2);
const x = tf.randomUniform([16, 24, 24, 3], 0, 1, 'float32', 4);
const y = tf.randomNormal([16, 3], 0, 1, 'float32', 5);
for (let i = 0; i < 4; i++) optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x)));
const hash = createHash('sha1');
for (const w of model.getWeights()) hash.update(new Uint8Array(w.dataSync().buffer));
console.log(JSON.stringify({ threads, hash: hash.digest('hex') }));
`;

function run(threads: string): Promise<{ threads: number; hash: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT],
      { cwd: root, env: { ...process.env, ROBONAV_WASM_THREADS: threads } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim()))),
    );
  });
}

describe('multi-threaded wasm', () => {
  it('trains to bit-identical weights on 1 and 2 threads', async () => {
    const [one, two] = await Promise.all([run('1'), run('2')]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.hash).toBe(one.hash);
  });
});
