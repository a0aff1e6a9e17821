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

/** The recurrent cores a network can have. */
export type CoreKind = 'gru' | 'lstm';

/** A GRU or LSTM core of built-in tfjs layers (so it loads in a browser), stepped once or unrolled over a rollout. */
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
    const act = (a: tf.SymbolicTensor, activation: 'sigmoid' | 'tanh'): tf.SymbolicTensor =>
      tf.layers.activation({ activation }).apply(a) as tf.SymbolicTensor;
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

  /**
   * Run over a time-major sequence (one step is T = 1). `x` [T·B, F] (row t·B + b), `starts` [T, B]
   * with 1 where step t of env b begins an episode (the state is zeroed before that step). Returns
   * the outputs h_t [T·B, H] and the final state. Differentiable; call inside `tf.tidy` / a gradient
   * function.
   *
   * Computes the same function as applying `model` step by step (a test holds them equal) with
   * plain ops on the layers' variables: the input projections W·x of all T steps are one matrix
   * product, and only U·h runs per step — several times faster than applying the layers graph T
   * times. The GRU runs as one fused op (`unrollGruFused`), the LSTM op by op.
   */
  unroll(x: tf.Tensor2D, state0: readonly tf.Tensor2D[], starts: tf.Tensor2D): { outputs: tf.Tensor2D; state: tf.Tensor2D[] } {
    return this.kind === 'gru' ? this.unrollGruFused(x, state0[0]!, starts) : this.unrollLstm(x, state0, starts);
  }

  /** The LSTM over a sequence, op by op. */
  private unrollLstm(x: tf.Tensor2D, state0: readonly tf.Tensor2D[], starts: tf.Tensor2D): { outputs: tf.Tensor2D; state: tf.Tensor2D[] } {
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
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => act(k, tf.add(projected[k]![t]!, uh(k, h!))));
      const cNext = tf.add(tf.mul(f!, c!), tf.mul(i!, g!)) as tf.Tensor2D;
      state = [tf.mul(o!, tf.tanh(cNext)) as tf.Tensor2D, cNext];
      outputs.push(state[0]!);
    }
    return { outputs: tf.concat(outputs, 0), state };
  }

  /**
   * GRU over a sequence as one differentiable op. The input projections W·x + b of all steps are one
   * matrix product (as in `unroll`); each of the T sequential steps is one product [B, H]·[H, 3H]
   * for the three gates' U·h, with the gate arithmetic in plain loops over typed arrays inside
   * `tf.customGrad`. The backward pass through time is likewise one product [B, 3H]·[3H, H] per step,
   * and the recurrent weight gradient Σ_t h_tᵀ·∂a_t one product after the loop. Against running the GRU
   * op by op (~17 tfjs ops per step forward, ~40 backward) this cuts the per-step dispatch cost; against
   * the same products in JS loops, the backend's matrix kernel is ~7× faster (measured on wasm,
   * B = 4, H = 128). Same function and gradients as stepping the layers graph (tests).
   */
  private unrollGruFused(x: tf.Tensor2D, h0: tf.Tensor2D, starts: tf.Tensor2D): { outputs: tf.Tensor2D; state: tf.Tensor2D[] } {
    const [T, B] = starts.shape;
    const H = this.size;
    const startData = starts.dataSync();
    const read = (layer: tf.layers.Layer): tf.Tensor[] => layer.trainableWeights.map((w) => w.read());
    const [z, r, n] = this.gates;
    const [wz, bz] = read(z!.wx);
    const [wr, br] = read(r!.wx);
    const [wn, bn] = read(n!.wx);
    // gx [T·B, 3H]: W·x + b for the z, r, n gates side by side; u [H, 3H] likewise; bhn [H] the bias inside r ⊙ (U_n h + b).
    const gx = tf.add(tf.matMul(x, tf.concat([wz!, wr!, wn!], 1) as tf.Tensor2D), tf.concat([bz!, br!, bn!], 0)) as tf.Tensor2D;
    const u = tf.concat([read(z!.uh)[0]!, read(r!.uh)[0]!, read(n!.uh)[0]!], 1) as tf.Tensor2D;
    const bhn = read(n!.uh)[1] as tf.Tensor1D;
    const fused = tf.customGrad((...args: unknown[]) => {
      const [gxT, uT, bhnT, h0T, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.GradSaveFunc];
      save([uT]); // the engine keeps U alive for the backward pass (the caller's intermediates are gone by then)
      const G = gxT.dataSync() as Float32Array;
      const bh = bhnT.dataSync() as Float32Array;
      const H3 = 3 * H;
      const BH = B * H;
      // Saved for the backward pass, per row t·B + b: the masked previous state, gates, and U_n·h + b.
      const hp = new Float32Array(T * BH);
      const zs = new Float32Array(T * BH);
      const rs = new Float32Array(T * BH);
      const ns = new Float32Array(T * BH);
      const an = new Float32Array(T * BH);
      const out = new Float32Array(T * BH);
      let prev = h0T.dataSync() as Float32Array;
      let prevBase = 0;
      for (let t = 0; t < T; t++) {
        const base = t * BH;
        for (let b = 0; b < B; b++) {
          const k = 1 - startData[t * B + b]!;
          for (let i = 0; i < H; i++) hp[base + b * H + i] = prev[prevBase + b * H + i]! * k;
        }
        const a = productWith(hp.subarray(base, base + BH), B, uT, false); // [B, 3H] = hp · U
        for (let b = 0; b < B; b++) {
          const o = base + b * H;
          const g = (t * B + b) * H3;
          const ab = b * H3;
          for (let j = 0; j < H; j++) {
            const zj = 1 / (1 + Math.exp(-(G[g + j]! + a[ab + j]!)));
            const rj = 1 / (1 + Math.exp(-(G[g + H + j]! + a[ab + H + j]!)));
            const anj = a[ab + 2 * H + j]! + bh[j]!;
            const nj = Math.tanh(G[g + 2 * H + j]! + rj * anj);
            zs[o + j] = zj;
            rs[o + j] = rj;
            an[o + j] = anj;
            ns[o + j] = nj;
            out[o + j] = nj + zj * (hp[o + j]! - nj);
          }
        }
        prev = out;
        prevBase = base;
      }
      const value = tf.tensor2d(out, [T * B, H]);
      const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): tf.Tensor[] => {
        const savedU = saved[0] as tf.Tensor2D;
        const dOut = (Array.isArray(dy) ? dy[0]! : dy).dataSync() as Float32Array;
        const dG = new Float32Array(T * B * H3); // ∂ of the gate pre-activations' input part W·x + b
        const dA = new Float32Array(T * B * H3); // ∂a, a = hp·U (+ b_hn): dz, dr and r ⊙ dn
        const dbh = new Float64Array(H);
        const carry = new Float32Array(BH); // ∂L/∂h_t flowing back from step t + 1
        const dhp = new Float32Array(BH);
        for (let t = T - 1; t >= 0; t--) {
          const base = t * BH;
          for (let b = 0; b < B; b++) {
            const o = base + b * H;
            const g = (t * B + b) * H3;
            for (let j = 0; j < H; j++) {
              const dh = dOut[o + j]! + carry[b * H + j]!;
              const zj = zs[o + j]!,
                rj = rs[o + j]!,
                nj = ns[o + j]!;
              const dn = dh * (1 - zj) * (1 - nj * nj); // through tanh
              const dz = dh * (hp[o + j]! - nj) * zj * (1 - zj); // through σ
              const dr = dn * an[o + j]! * rj * (1 - rj);
              dG[g + j] = dA[g + j] = dz;
              dG[g + H + j] = dA[g + H + j] = dr;
              dG[g + 2 * H + j] = dn;
              dA[g + 2 * H + j] = dn * rj;
              dhp[b * H + j] = dh * zj;
              dbh[j]! += dn * rj;
            }
          }
          // ∂h_{t−1} = (∂hp + ∂a · Uᵀ), masked where the episode started.
          const back = productWith(dA.subarray(t * B * H3, (t + 1) * B * H3), B, savedU, true);
          for (let b = 0; b < B; b++) {
            const k = 1 - startData[t * B + b]!;
            for (let i = 0; i < H; i++) carry[b * H + i] = (dhp[b * H + i]! + back[b * H + i]!) * k;
          }
        }
        // ∂U = Σ_rows hpᵀ · ∂a.
        const dU = tf.tidy(() => tf.matMul(tf.tensor2d(hp, [T * B, H]), tf.tensor2d(dA, [T * B, H3]), true, false));
        return [tf.tensor2d(dG, [T * B, H3]), dU, tf.tensor1d(Float32Array.from(dbh)), tf.tensor2d(carry, [B, H])];
      };
      return { value, gradFunc };
    });
    const outputs = fused(gx, u, bhn, h0) as tf.Tensor2D;
    return { outputs, state: [tf.slice(outputs, [(T - 1) * B, 0], [B, H])] };
  }
}

/** `rows` [B, K] times `matrix` [K, N] (or its transpose [N, K] → [B, N]) on the backend, read back. */
function productWith(rows: Float32Array, B: number, matrix: tf.Tensor2D, transposeMatrix: boolean): Float32Array {
  const left = tf.tensor2d(rows, [B, rows.length / B]);
  const product = tf.matMul(left, matrix, false, transposeMatrix);
  const values = product.dataSync() as Float32Array;
  tf.dispose([left, product]);
  return values;
}
