import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { RecurrentCore } from '../../src/nn/cores.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The reference: one application of the core's layers graph (what a saved policy runs). */
function stepByHand(core: RecurrentCore, x: tf.Tensor2D, state: readonly tf.Tensor2D[]): tf.Tensor2D[] {
  const out = core.model.apply([x, ...state]);
  return (Array.isArray(out) ? out : [out]) as tf.Tensor2D[];
}

describe.each(['gru', 'lstm'] as const)('%s core', (kind) => {
  it('unroll equals stepping by hand, with the state zeroed where an episode starts', () => {
    const core = new RecurrentCore(kind, 3, 4, new Rng(1));
    const T = 4;
    const B = 2;
    const rng = new Rng(2);
    const xData = Float32Array.from({ length: T * B * 3 }, () => rng.normal());
    // Env 1 starts a new episode at t = 2.
    const starts = [0, 0, 0, 0, 0, 1, 0, 0];
    tf.tidy(() => {
      const x = tf.tensor2d(xData, [T * B, 3]);
      const s0 = core.zeroState(B).map((s) => tf.add(s, 0.5) as tf.Tensor2D);
      const { outputs } = core.unroll(x, s0, tf.tensor2d(starts, [T, B]));
      let state = s0;
      const manual: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const mask = tf.tensor2d([1 - starts[t * B]!, 1 - starts[t * B + 1]!], [B, 1]);
        state = stepByHand(
          core,
          tf.slice(x, [t * B, 0], [B, 3]),
          state.map((s) => tf.mul(s, mask) as tf.Tensor2D),
        );
        manual.push(state[0]!);
      }
      const expected = tf.concat(manual, 0).arraySync();
      const got = outputs.arraySync();
      for (let i = 0; i < T * B; i++) for (let j = 0; j < 4; j++) expect(got[i]![j]).toBeCloseTo(expected[i]![j]!, 6);
      // After the reset, env 1's output equals that of a fresh zero state fed the same inputs.
      let fresh = core.zeroState(1);
      for (let t = 2; t < T; t++) {
        fresh = stepByHand(core, tf.slice(x, [t * B + 1, 0], [1, 3]), fresh);
        const row = fresh[0]!.arraySync()[0]!;
        for (let j = 0; j < 4; j++) expect(got[t * B + 1]![j]).toBeCloseTo(row[j]!, 6);
      }
    });
    core.model.dispose();
  });

  // A minibatch's few sequences and a rollout's many.
  it.each([3, 16])('unroll has the gradients of stepping by hand (weights, inputs, initial state), %i sequences', (B) => {
    const core = new RecurrentCore(kind, 3, 5, new Rng(4));
    const T = 5;
    const rng = new Rng(5);
    const xData = Float32Array.from({ length: T * B * 3 }, () => rng.normal());
    const s0Data = Float32Array.from({ length: B * 5 }, () => 0.5 * rng.normal());
    const wData = Float32Array.from({ length: T * B * 5 }, () => rng.normal());
    // Env 0 starts an episode at t = 0, env 2 at t = 3: the gradient must stop at both resets.
    const starts = Array.from({ length: T * B }, (_, i) => (i === 0 || i === 3 * B + 2 ? 1 : 0));
    const vars = core.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const lossOf = (outputs: tf.Tensor2D, final: tf.Tensor2D): tf.Scalar =>
      tf.add(tf.sum(tf.mul(outputs, tf.tensor2d(wData, [T * B, 5]))), tf.sum(tf.square(final))) as tf.Scalar;
    const gradients = (run: (x: tf.Tensor2D, s0: tf.Tensor2D[]) => { outputs: tf.Tensor2D; state: tf.Tensor2D[] }): number[][] =>
      tf.tidy(() => {
        const x = tf.variable(tf.tensor2d(xData, [T * B, 3]));
        const s0 = core.zeroState(B).map((s) => tf.variable(tf.add(s, tf.tensor2d(s0Data, [B, 5]))) as tf.Variable<tf.Rank.R2>);
        const { grads } = tf.variableGrads(() => {
          const { outputs, state } = run(x, s0);
          return lossOf(outputs, state[0]!);
        }, [...vars, x, ...s0]);
        const out = [...vars, x, ...s0].map((v) => Array.from(grads[v.name]!.dataSync()));
        tf.dispose([x, ...s0]);
        return out;
      });
    const fused = gradients((x, s0) => core.unroll(x, s0, tf.tensor2d(starts, [T, B])));
    const manual = gradients((x, s0) => {
      let state: tf.Tensor2D[] = s0;
      const outs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const mask = tf.tensor2d(
          starts.slice(t * B, (t + 1) * B).map((s) => 1 - s),
          [B, 1],
        );
        state = stepByHand(
          core,
          tf.slice(x, [t * B, 0], [B, 3]),
          state.map((s) => tf.mul(s, mask) as tf.Tensor2D),
        );
        outs.push(state[0]!);
      }
      return { outputs: tf.concat(outs, 0), state };
    });
    expect(fused.length).toBe(manual.length);
    fused.forEach((g, k) => {
      g.forEach((v, i) => {
        expect(v).toBeCloseTo(manual[k]![i]!, 4);
      });
    });
    // Env 0's reset at t = 0 cuts its initial state off from every output: its gradient is zero.
    const ds0 = fused[vars.length + 1]!;
    for (let j = 0; j < 5; j++) expect(Math.abs(ds0[j]!)).toBe(0);
    core.model.dispose();
  });

  it('keeps its state bounded in (−1, 1) for h', () => {
    const core = new RecurrentCore(kind, 2, 3, new Rng(3));
    tf.tidy(() => {
      let state = core.zeroState(1);
      for (let t = 0; t < 20; t++) state = core.unroll(tf.tensor2d([[5, -5]]), state, tf.zeros([1, 1])).state;
      const h = state[0]!.dataSync();
      for (const v of h) expect(Math.abs(v)).toBeLessThan(1);
    });
    core.model.dispose();
  });
});
