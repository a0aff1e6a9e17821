/**
 * Optimisers with PyTorch's update rules and explicit, serialisable state (so a resumed run makes
 * exactly the update an uninterrupted run would), plus global-norm gradient clipping.
 *
 * tfjs's own Adam keeps its bias-correction products as float32 variables that are not part of
 * `getWeights()` and applies ε inside the square root for RMSprop; these follow `torch.optim`:
 *   Adam     m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
 *   RMSprop  v ← αv + (1−α)g²,                     θ ← θ − lr·g / (√v + ε)
 */
import * as tf from '@tensorflow/tfjs';

/** An optimiser over a fixed list of variables whose whole state can be saved and restored (checkpoints). */
export interface Optimizer {
  /** Learning rate, changed between updates by annealing. */
  learningRate: number;
  /** Updates applied so far. */
  readonly steps: number;
  /** Apply one update; `grads[i]` belongs to `variables[i]`. Does not dispose `grads`. */
  apply(grads: readonly tf.Tensor[]): void;
  /** Step count and slot values, as copies (for checkpoints). */
  getState(): { steps: number; slots: Float32Array[] };
  setState(state: { steps: number; slots: readonly Float32Array[] }): void;
  dispose(): void;
}

abstract class SlotOptimizer implements Optimizer {
  steps = 0;
  protected readonly slots: tf.Variable[];

  constructor(
    protected readonly variables: readonly tf.Variable[],
    public learningRate: number,
    slotsPerVariable: number,
  ) {
    this.slots = [];
    for (let s = 0; s < slotsPerVariable; s++)
      for (const v of variables) this.slots.push(tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  abstract apply(grads: readonly tf.Tensor[]): void;

  protected checkGrads(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.variables.length)
      throw new RangeError(`optimizer: ${this.variables.length} variables but ${grads.length} gradients`);
  }

  getState(): { steps: number; slots: Float32Array[] } {
    return { steps: this.steps, slots: this.slots.map((s) => (s.dataSync() as Float32Array).slice()) };
  }

  setState(state: { steps: number; slots: readonly Float32Array[] }): void {
    if (state.slots.length !== this.slots.length)
      throw new RangeError(`optimizer state has ${state.slots.length} slots, expected ${this.slots.length}`);
    state.slots.forEach((values, i) => {
      const slot = this.slots[i]!;
      if (values.length !== slot.size) throw new RangeError(`optimizer slot ${i} has ${values.length} values, expected ${slot.size}`);
      tf.tidy(() => slot.assign(tf.tensor(values, slot.shape)));
    });
    this.steps = state.steps;
  }

  dispose(): void {
    tf.dispose(this.slots);
  }
}

/** Adam with PyTorch's update rule and bias correction computed in float64 from the step count. */
export class Adam extends SlotOptimizer {
  constructor(
    variables: readonly tf.Variable[],
    learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    /** Added to √v̂; 1e-5 as in CleanRL/SB3 PPO (PyTorch's default 1e-8 is less stable in RL). */
    readonly epsilon = 1e-5,
  ) {
    super(variables, learningRate, 2);
  }

  apply(grads: readonly tf.Tensor[]): void {
    this.checkGrads(grads);
    this.steps++;
    // Bias corrections in float64 from the step count, so they survive a checkpoint exactly.
    const c1 = 1 - this.beta1 ** this.steps;
    const c2 = 1 - this.beta2 ** this.steps;
    const n = this.variables.length;
    tf.tidy(() => {
      this.variables.forEach((v, i) => {
        const g = grads[i]!;
        const m = this.slots[i]!;
        const s = this.slots[n + i]!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        s.assign(tf.add(tf.mul(s, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.sqrt(tf.div(s, c2)), this.epsilon);
        v.assign(tf.sub(v, tf.mul(tf.div(m, denom), this.learningRate / c1)));
      });
    });
  }
}

/** RMSprop with PyTorch's update rule (ε added outside the square root). */
export class RMSprop extends SlotOptimizer {
  constructor(
    variables: readonly tf.Variable[],
    learningRate: number,
    /** Decay of the squared-gradient average (PyTorch `alpha`, SB3 A2C 0.99). */
    readonly alpha = 0.99,
    /** Added to √v; 1e-5 as SB3's A2C. */
    readonly epsilon = 1e-5,
  ) {
    super(variables, learningRate, 1);
  }

  apply(grads: readonly tf.Tensor[]): void {
    this.checkGrads(grads);
    this.steps++;
    tf.tidy(() => {
      this.variables.forEach((v, i) => {
        const g = grads[i]!;
        const s = this.slots[i]!;
        s.assign(tf.add(tf.mul(s, this.alpha), tf.mul(tf.square(g), 1 - this.alpha)));
        v.assign(tf.sub(v, tf.mul(tf.div(g, tf.add(tf.sqrt(s), this.epsilon)), this.learningRate)));
      });
    });
  }
}

/**
 * Scale all gradients together so their global L2 norm is at most `maxNorm` (PyTorch
 * `clip_grad_norm_`: coefficient maxNorm / (norm + 1e-6), capped at 1). Returns new tensors and
 * the norm before clipping.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const normT = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0]!;
  normT.dispose();
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  return { grads: grads.map((g) => (coef < 1 ? tf.mul(g, coef) : tf.clone(g))), norm };
}
