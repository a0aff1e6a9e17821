/**
 * Proximal Policy Optimization (Schulman et al. 2017), following CleanRL's `ppo.py` and, with a
 * recurrent core, `ppo_atari_lstm.py`.
 *
 *   rollout   N envs × T steps under π_old; GAE(γ, λ) advantages; truncation bootstraps from V(final obs)
 *   update    E epochs over the N·T samples in M shuffled minibatches that cover every sample:
 *               ratio  ρ = exp(log π(a|s) − log π_old(a|s))          (exactly 1 on the first minibatch)
 *               L_pg   = mean(max(−Â·ρ, −Â·clip(ρ, 1−ε, 1+ε)))        Â normalised per minibatch
 *               L_v    = ½·mean(max((V−R)², (V_old + clip(V−V_old, −ε, ε) − R)²))   (or unclipped)
 *               L      = L_pg − c_ent·H[π] + c_v·L_v (+ Σ c_aux·L_aux, see common/auxiliary.ts),
 *                        Adam (ε 1e-5), global grad-norm clip, linear LR decay
 *             optional early stop of the epochs when approx-KL (k3: mean((ρ−1) − log ρ)) exceeds a target.
 *   off-policy rollouts (actors on older weights): V-trace targets and ρ̄-clipped advantages under the
 *             current weights, the ratio against the behaviour log-probs (APPO)
 *   recurrent minibatches are groups of envs; each replays its envs' whole T-step sequences from the
 *             core state stored at the start of the rollout, zeroing it where an episode starts.
 */
import * as tf from '@tensorflow/tfjs';
import type { EnvFactory, VectorEnv } from '../src/core/Env.js';
import { OnPolicyAgent, type NetworkInit, type OnPolicyConfig, type RolloutSource } from './common/OnPolicyAgent.js';
import { Adam } from './common/optim.js';
import type { Minibatch } from './common/RolloutBuffer.js';
import { explainedVariance, normalize, splitEven } from './common/stats.js';

/** PPO's config: the common on-policy fields plus GAE λ, minibatches, epochs, clipping and an optional KL stop. */
export interface PPOConfig extends OnPolicyConfig {
  /** GAE λ. */
  gaeLambda: number;
  /** Minibatches per epoch M (recurrent: groups of envs, so at most N). */
  numMinibatches: number;
  /** Passes over the rollout per update E. */
  updateEpochs: number;
  /** Normalise advantages per minibatch (zero mean, unit std). */
  normAdv: boolean;
  /** Clip range ε of the probability ratio (and of the value change when `clipVloss`). */
  clipCoef: number;
  /** Clip the value function's change like the policy's (PPO2 / CleanRL default). */
  clipVloss: boolean;
  /** Stop the epochs of an update once approx-KL exceeds this (null: never). */
  targetKl: number | null;
}

/** PPO's defaults (CleanRL's `ppo.py`): 8 envs × 128 steps, 4 epochs × 4 minibatches, clip 0.2, Adam 2.5e-4 annealed to 0. */
export const DEFAULT_PPO: PPOConfig = {
  seed: 1,
  numEnvs: 8,
  numSteps: 128,
  gamma: 0.99,
  gaeLambda: 0.95,
  learningRate: 2.5e-4,
  annealLr: true,
  finalLearningRate: 0,
  numMinibatches: 4,
  updateEpochs: 4,
  normAdv: true,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  network: {},
  augment: [],
  auxiliary: [],
};

/**
 * Proximal Policy Optimization (CleanRL's `ppo.py`; with a GRU or LSTM core, `ppo_atari_lstm.py`).
 * Give it an env factory (it builds `numEnvs` envs in this thread) or a vector env, then call `learn`.
 *
 * @example
 * ```ts
 * await initBackend();
 * const ppo = new PPO(() => make('PointNav-Easy-v0'), { numEnvs: 8, network: { core: 'gru' } });
 * await ppo.learn(300_000, {
 *   callbacks: [new ProgressBarCallback(), { onUpdate: (r) => (typeof r.success === 'number' && r.success > 0.95 ? 'stop' : undefined) }],
 * });
 * await saveCheckpoint('runs/ppo-1', ppo, { env: 'PointNav-Easy-v0' });
 * await ppo.close();
 * ```
 */
export class PPO extends OnPolicyAgent<PPOConfig> {
  readonly name = 'ppo';
  readonly optimizer: Adam;
  /** Preallocated minibatches by size (sizes differ by at most one when M does not divide the batch). */
  private readonly minibatches = new Map<number, { mb: Minibatch; starts: Float32Array }>();

  /** `init` runs on the new network before the optimiser is built (pretrained weights, frozen layers). */
  constructor(envs: VectorEnv | EnvFactory | RolloutSource, config: Partial<PPOConfig> = {}, init?: NetworkInit) {
    super(envs, DEFAULT_PPO, config, init);
    const c = this.config;
    if (!(c.numMinibatches >= 1 && c.updateEpochs >= 1 && c.clipCoef > 0))
      throw new RangeError('PPO: numMinibatches and updateEpochs must be ≥ 1 and clipCoef > 0');
    this.optimizer = new Adam(this.trainableVariables(), c.learningRate, 0.9, 0.999, 1e-5);
  }

  /** GAE(λ) on the behaviour values; rollouts from older weights (a learner fed by actors): V-trace with the same λ (APPO). */
  protected computeTargets(): void {
    if (this.source.offPolicy) this.vtrace(this.config.gaeLambda);
    else this.gae(this.config.gaeLambda);
  }

  protected train(): Record<string, number> {
    const c = this.config;
    const { buffer } = this;
    const recurrent = this.network.core !== null;
    // Recurrent minibatches hold whole env sequences; feed-forward ones hold single samples.
    const units = recurrent ? this.numEnvs : buffer.size;
    const chunks = splitEven(units, Math.min(c.numMinibatches, units));
    const order = Int32Array.from({ length: units }, (_, i) => i); // b_inds (or env indices)
    const rows = new Int32Array(buffer.size);
    let pgLoss = 0,
      vLoss = 0,
      entropy = 0,
      approxKl = 0,
      oldApproxKl = 0,
      clipFrac = 0,
      gradNorm = 0,
      count = 0;
    let firstRatioError = NaN;
    let epochsRun = 0;
    for (let epoch = 0; epoch < c.updateEpochs; epoch++) {
      this.rng.shuffle(order);
      epochsRun++;
      let epochKl = 0;
      for (const [start, end] of chunks) {
        // ── minibatch: mb_inds = b_inds[start:end] (recurrent: all T steps of envs order[start:end]) ──
        const chosen = order.subarray(start, end);
        const size = recurrent ? chosen.length * buffer.numSteps : chosen.length;
        const { mb, starts } = this.minibatch(size);
        if (recurrent) buffer.envRows(chosen, rows);
        else rows.set(chosen);
        buffer.gather(rows, mb);
        for (let j = 0; j < size; j++) starts[j] = buffer.starts[rows[j]!]!;
        if (c.normAdv) normalize(mb.advantages);

        let diag: tf.Tensor[] = [];
        const { gradNorm: norm } = this.optimize(() => {
          const { logprob, entropy: ent, value, auxiliary } = this.evaluate(mb, recurrent ? { envs: chosen, starts } : null);
          const logratio = tf.sub(logprob, tf.tensor1d(mb.logprobs));
          const ratio = tf.exp(logratio);
          const adv = tf.tensor1d(mb.advantages);

          // ── policy loss ──
          const pg1 = tf.mul(tf.neg(adv), ratio);
          const pg2 = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - c.clipCoef, 1 + c.clipCoef));
          const pg = tf.mean(tf.maximum(pg1, pg2));

          // ── value loss ──
          const ret = tf.tensor1d(mb.returns);
          const vUnclipped = tf.square(tf.sub(value, ret));
          let v: tf.Scalar;
          if (c.clipVloss) {
            const oldV = tf.tensor1d(mb.values);
            const vClipped = tf.add(oldV, tf.clipByValue(tf.sub(value, oldV), -c.clipCoef, c.clipCoef));
            v = tf.mul(0.5, tf.mean(tf.maximum(vUnclipped, tf.square(tf.sub(vClipped, ret))))) as tf.Scalar;
          } else {
            v = tf.mul(0.5, tf.mean(vUnclipped)) as tf.Scalar;
          }
          const entMean = tf.mean(ent);

          // ── diagnostics: approx-KL (k3 and the naive −log ρ), clip fraction, max |ρ − 1| ──
          diag = [
            pg,
            v,
            entMean,
            tf.mean(tf.sub(tf.sub(ratio, 1), logratio)),
            tf.mean(tf.neg(logratio)),
            tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clipCoef), 'float32')),
            tf.max(tf.abs(tf.sub(ratio, 1))),
          ].map((t) => tf.keep(t));
          const loss = tf.addN([pg, tf.mul(-c.entCoef, entMean), tf.mul(c.vfCoef, v)]) as tf.Scalar;

          // ── auxiliary losses (none unless configured) ──
          return this.addAuxiliaryLoss(loss, auxiliary);
        });
        const [pgV, vV, entV, klV, oldKlV, cfV, ratioErr] = diag.map((t) => t.dataSync()[0]!);
        tf.dispose(diag);
        if (Number.isNaN(firstRatioError)) firstRatioError = ratioErr!;
        pgLoss += pgV!;
        vLoss += vV!;
        entropy += entV!;
        approxKl += klV!;
        oldApproxKl += oldKlV!;
        clipFrac += cfV!;
        gradNorm += norm;
        count++;
        epochKl += klV! / chunks.length;
      }
      if (c.targetKl !== null && epochKl > c.targetKl) break;
    }
    return {
      policyLoss: pgLoss / count,
      valueLoss: vLoss / count,
      entropy: entropy / count,
      approxKl: approxKl / count,
      oldApproxKl: oldApproxKl / count,
      clipFrac: clipFrac / count,
      gradNorm: gradNorm / count,
      explainedVariance: explainedVariance(buffer.values, buffer.returns),
      epochs: epochsRun,
      firstRatioError,
      ...this.auxiliaryMetrics(),
    };
  }

  private minibatch(size: number): { mb: Minibatch; starts: Float32Array } {
    let entry = this.minibatches.get(size);
    if (!entry) {
      entry = { mb: this.buffer.allocateMinibatch(size), starts: new Float32Array(size) };
      this.minibatches.set(size, entry);
    }
    return entry;
  }
}
