/**
 * Recurrent cores (GRU, LSTM) built from built-in tfjs layers (Dense, Add, Multiply, Activation,
 * Rescaling), so a saved policy with memory loads with `tf.loadLayersModel` in a browser.
 *
 * One step: `[x [B, F], h [B, H] (, c [B, H])] → [h' (, c')]`, PyTorch's equations:
 *   GRU  z = σ(W_z x + U_z h), r = σ(W_r x + U_r h), n = tanh(W_n x + r ⊙ (U_n h + b_n)),
 *        h' = z ⊙ h + (1 − z) ⊙ n
 *   LSTM i, f, o = σ(W x + U h), g = tanh(W_g x + U_g h), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c')
 * The state is reset to zero where an episode starts: `unroll` multiplies it by (1 − start) before
 * each step (CleanRL ppo_atari_lstm's `(1.0 - d) * lstm_state`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/Rng.js';
import { applyInit, GAIN } from './init.js';

export type CoreKind = 'gru' | 'lstm';

export class RecurrentCore {
  /** Number of state tensors: 1 (GRU: h) or 2 (LSTM: h, c). */
  readonly numStates: number;
  /** `[x, ...state] → [...newState]`; the core's output is newState[0] (h'). */
  readonly model: tf.LayersModel;
  /** Per gate (GRU z, r, n; LSTM i, f, g, o): the input and recurrent Dense layers. */
  private readonly gates: Array<{ wx: tf.layers.Layer; uh: tf.layers.Layer; activation: 'sigmoid' | 'tanh' }> = [];

  constructor(
    readonly kind: CoreKind,
    readonly inputSize: number,
    /** Hidden units H. */
    readonly size: number,
    rng: Rng,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`RecurrentCore: size must be a positive integer, got ${size}`);
    const x = tf.input({ shape: [inputSize], name: `${kind}_x` });
    const h = tf.input({ shape: [size], name: `${kind}_h` });
    const layers: tf.layers.Layer[] = [];
    const dense = (input: tf.SymbolicTensor, useBias: boolean): tf.SymbolicTensor => {
      const layer = tf.layers.dense({ units: size, useBias });
      layers.push(layer);
      return applyInit(layer, input, GAIN.value, rng);
    };
    const add = (a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor => tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const mul = (a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor => tf.layers.multiply().apply([a, b]) as tf.SymbolicTensor;
    const act = (a: tf.SymbolicTensor, activation: 'sigmoid' | 'tanh'): tf.SymbolicTensor => tf.layers.activation({ activation }).apply(a) as tf.SymbolicTensor;
    const gate = (activation: 'sigmoid' | 'tanh'): tf.SymbolicTensor => {
      const out = act(add(dense(x, true), dense(h, false)), activation);
      this.gates.push({ wx: layers.at(-2)!, uh: layers.at(-1)!, activation });
      return out;
    };
    if (kind === 'gru') {
      this.numStates = 1;
      const z = gate('sigmoid');
      const r = gate('sigmoid');
      const n = act(add(dense(x, true), mul(r, dense(h, true))), 'tanh');
      this.gates.push({ wx: layers.at(-2)!, uh: layers.at(-1)!, activation: 'tanh' });
      const oneMinusZ = tf.layers.rescaling({ scale: -1, offset: 1 }).apply(z) as tf.SymbolicTensor;
      const hNext = add(mul(z, h), mul(oneMinusZ, n));
      this.model = tf.model({ inputs: [x, h], outputs: hNext, name: 'gru_core' });
    } else if (kind === 'lstm') {
      this.numStates = 2;
      const c = tf.input({ shape: [size], name: 'lstm_c' });
      const i = gate('sigmoid');
      const f = gate('sigmoid');
      const g = gate('tanh');
      const o = gate('sigmoid');
      const cNext = add(mul(f, c), mul(i, g));
      const hNext = mul(o, act(cNext, 'tanh'));
      this.model = tf.model({ inputs: [x, h, c], outputs: [hNext, cNext], name: 'lstm_core' });
    } else {
      throw new RangeError(`RecurrentCore: kind must be 'gru' or 'lstm', got ${String(kind)}`);
    }
  }

  /** All-zero state for `batch` envs. */
  zeroState(batch: number): tf.Tensor2D[] {
    return Array.from({ length: this.numStates }, () => tf.zeros([batch, this.size]) as tf.Tensor2D);
  }

  /** One step: x [B, F], state [B, H] each → new state (h' first). */
  step(x: tf.Tensor2D, state: readonly tf.Tensor2D[]): tf.Tensor2D[] {
    const out = this.model.apply([x, ...state]);
    return (Array.isArray(out) ? out : [out]) as tf.Tensor2D[];
  }

  /**
   * Run over a time-major sequence. `x` [T·B, F] (row t·B + b), `starts` [T, B] with 1 where step t
   * of env b begins an episode (the state is zeroed before that step). Returns the outputs h_t
   * [T·B, H] and the final state. Differentiable; call inside `tf.tidy` / a gradient function.
   *
   * Computes the same function as stepping `model` (a test holds them equal) with plain ops on the
   * layers' variables: the input projections W·x of all T steps are one matrix product, and only
   * U·h runs per step — several times faster than applying the layers graph T times.
   */
  unroll(x: tf.Tensor2D, state0: readonly tf.Tensor2D[], starts: tf.Tensor2D): { outputs: tf.Tensor2D; state: tf.Tensor2D[] } {
    const [steps, batch] = starts.shape;
    const weights = (layer: tf.layers.Layer): tf.Tensor[] => layer.trainableWeights.map((w) => w.read());
    // Per gate: W·x + b for every step, split by time.
    const projected = this.gates.map((g) => {
      const [kernel, bias] = weights(g.wx);
      return tf.split(tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias!), steps, 0) as tf.Tensor2D[];
    });
    const recurrent = this.gates.map((g) => weights(g.uh));
    const keep = tf.split(tf.sub(1, starts), steps, 0) as tf.Tensor2D[];
    const uh = (k: number, h: tf.Tensor2D): tf.Tensor2D => {
      const [kernel, bias] = recurrent[k]!;
      const y = tf.matMul(h, kernel as tf.Tensor2D);
      return (bias ? tf.add(y, bias) : y) as tf.Tensor2D;
    };
    const act = (k: number, v: tf.Tensor2D): tf.Tensor2D => (this.gates[k]!.activation === 'sigmoid' ? tf.sigmoid(v) : tf.tanh(v));
    let state = [...state0];
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const mask = tf.reshape(keep[t]!, [batch, 1]);
      const [h, c] = state.map((s) => tf.mul(s, mask) as tf.Tensor2D);
      if (this.kind === 'gru') {
        const z = act(0, tf.add(projected[0]![t]!, uh(0, h!)));
        const r = act(1, tf.add(projected[1]![t]!, uh(1, h!)));
        const n = act(2, tf.add(projected[2]![t]!, tf.mul(r, uh(2, h!))));
        state = [tf.add(tf.mul(z, h!), tf.mul(tf.sub(1, z), n)) as tf.Tensor2D];
      } else {
        const [i, f, g, o] = [0, 1, 2, 3].map((k) => act(k, tf.add(projected[k]![t]!, uh(k, h!))));
        const cNext = tf.add(tf.mul(f!, c!), tf.mul(i!, g!)) as tf.Tensor2D;
        state = [tf.mul(o!, tf.tanh(cNext)) as tf.Tensor2D, cNext];
      }
      outputs.push(state[0]!);
    }
    return { outputs: tf.concat(outputs, 0), state };
  }
}
