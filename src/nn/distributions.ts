/**
 * Action distributions over a batch. Parameters come out of the policy head as a [B, K] tensor
 * (logits for Discrete, means for Box); the diagonal Gaussian's log-std is a state-independent
 * vector (CleanRL `actor_logstd`, SB3 `log_std`). `logProb` and `entropy` are tensor ops (used in
 * the losses and, for the behaviour log-probs, in the rollout: both go through the same ops, so
 * the PPO ratio is exactly 1 before the first update). `sample` draws in JS from our seeded Rng.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/Rng.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** The action distribution of a Discrete space: log-probabilities, entropy and seeded sampling from logits. */
export class Categorical {
  readonly kind = 'categorical' as const;
  /** Values per action in a flat action array. */
  readonly actionSize = 1;
  constructor(readonly n: number) {}

  /** logits [B, n], actions [B] (int32 or float indices) → [B]. */
  logProb(logits: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(logits);
      const onehot = tf.oneHot(tf.cast(tf.reshape(actions, [-1]), 'int32'), this.n);
      return tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
    });
  }

  /** −Σ p log p, [B]. */
  entropy(logits: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(logits);
      return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
    });
  }

  /** Write one action per row of `logits` (flat [B·n]) into `out`; argmax when deterministic. */
  sample(logits: Float32Array, batch: number, rng: Rng, out: Int32Array | Float32Array, deterministic = false): void {
    const n = this.n;
    for (let b = 0; b < batch; b++) {
      const o = b * n;
      let max = -Infinity;
      let argmax = 0;
      for (let k = 0; k < n; k++) {
        if (logits[o + k]! > max) {
          max = logits[o + k]!;
          argmax = k;
        }
      }
      if (deterministic) {
        out[b] = argmax;
        continue;
      }
      let total = 0;
      for (let k = 0; k < n; k++) total += Math.exp(logits[o + k]! - max);
      let u = rng.random() * total;
      let choice = n - 1;
      for (let k = 0; k < n; k++) {
        u -= Math.exp(logits[o + k]! - max);
        if (u < 0) {
          choice = k;
          break;
        }
      }
      out[b] = choice;
    }
  }
}

/** The action distribution of a Box space: a diagonal Gaussian with state-independent log-std. */
export class DiagGaussian {
  readonly kind = 'gaussian' as const;
  constructor(readonly actionSize: number) {}

  /** means [B, d], log-std [d], actions [B, d] → Σ_d log N(a | μ, σ), [B]. */
  logProb(mean: tf.Tensor2D, actions: tf.Tensor, logStd: tf.Tensor1D): tf.Tensor1D {
    return tf.tidy(() => {
      const z = tf.div(tf.sub(tf.reshape(actions, mean.shape), mean), tf.exp(logStd));
      const perDim = tf.sub(tf.mul(-0.5, tf.square(z)), tf.add(logStd, 0.5 * LOG_2PI));
      return tf.sum(perDim, 1) as tf.Tensor1D;
    });
  }

  /** Σ_d (½ log(2πe) + log σ_d), broadcast to [B]. */
  entropy(mean: tf.Tensor2D, logStd: tf.Tensor1D): tf.Tensor1D {
    return tf.tidy(() => tf.add(tf.zeros([mean.shape[0]]), tf.sum(tf.add(logStd, 0.5 + 0.5 * LOG_2PI))) as tf.Tensor1D);
  }

  /** μ + σ·ε per row (flat [B·d]); the mean when deterministic. Not clipped: the env wrapper clips. */
  sample(mean: Float32Array, batch: number, rng: Rng, out: Float32Array, logStd: Float32Array, deterministic = false): void {
    const d = this.actionSize;
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < d; k++) {
        const i = b * d + k;
        out[i] = deterministic ? mean[i]! : mean[i]! + Math.exp(logStd[k]!) * rng.normal();
      }
    }
  }
}

/** Either action distribution; `distributionFor` picks the one for a space. */
export type ActionDistribution = Categorical | DiagGaussian;
