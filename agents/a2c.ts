/**
 * Advantage Actor-Critic, synchronous (A2C; Mnih et al. 2016), following SB3's `A2C`.
 *
 *   rollout  N envs × T = 5 steps; n-step returns R_t = r_t + γr_{t+1} + … + γ^k V(s_{t+k})
 *            (GAE with λ = 1; a truncation bootstraps from V(final obs), a termination does not)
 *   update   one gradient step on the whole rollout:
 *              L = −mean(Â·log π(a|s)) − c_ent·H[π] + c_v·mean((R − V)²),  Â = R − V_old
 *                  (+ Σ c_aux·L_aux, see common/auxiliary.ts)
 *            RMSprop (α 0.99, ε 1e-5), global grad-norm clip 0.5, optional linear LR decay.
 *   recurrent the core replays all N sequences from the state stored at the start of the rollout.
 */
import * as tf from '@tensorflow/tfjs';
import type { EnvFactory, VectorEnv } from '../src/core/Env.js';
import { OnPolicyAgent, type NetworkInit, type OnPolicyConfig, type RolloutSource } from './common/OnPolicyAgent.js';
import { RMSprop } from './common/optim.js';
import { explainedVariance, normalize } from './common/stats.js';

/** A2C's config: the common on-policy fields plus GAE λ, advantage normalisation and RMSprop's α and ε. */
export interface A2CConfig extends OnPolicyConfig {
  /** GAE λ; 1 gives the classic n-step returns. */
  gaeLambda: number;
  /** Normalise advantages over the rollout (off in A2C's original form). */
  normAdv: boolean;
  /** RMSprop decay α of the squared-gradient average. */
  rmspropAlpha: number;
  /** RMSprop ε added to √v. */
  rmspropEps: number;
}

/** A2C's defaults (Stable-Baselines3's): 8 envs × 5 steps, RMSprop 7e-4, n-step returns (λ = 1). */
export const DEFAULT_A2C: A2CConfig = {
  seed: 1,
  numEnvs: 8,
  numSteps: 5,
  gamma: 0.99,
  gaeLambda: 1,
  learningRate: 7e-4,
  annealLr: false,
  finalLearningRate: 0,
  normAdv: false,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  rmspropAlpha: 0.99,
  rmspropEps: 1e-5,
  network: {},
  augment: [],
  auxiliary: [],
};

/**
 * Advantage actor-critic (Stable-Baselines3's A2C): one synchronous update per short rollout, with
 * RMSprop. Built and trained like `PPO`: `new A2C(() => make(id), config).learn(steps)`.
 */
export class A2C extends OnPolicyAgent<A2CConfig> {
  readonly name = 'a2c';
  readonly optimizer: RMSprop;
  private readonly starts: Float32Array;
  private readonly allEnvs: Int32Array;

  /** `init` runs on the new network before the optimiser is built (pretrained weights, frozen layers). */
  constructor(envs: VectorEnv | EnvFactory | RolloutSource, config: Partial<A2CConfig> = {}, init?: NetworkInit) {
    super(envs, DEFAULT_A2C, config, init);
    this.optimizer = new RMSprop(this.trainableVariables(), this.config.learningRate, this.config.rmspropAlpha, this.config.rmspropEps);
    this.starts = new Float32Array(this.buffer.size);
    this.allEnvs = Int32Array.from({ length: this.numEnvs }, (_, i) => i);
  }

  protected computeTargets(): void {
    this.gae(this.config.gaeLambda);
  }

  protected train(): Record<string, number> {
    const c = this.config;
    const { buffer } = this;
    const mb = buffer.asMinibatch(); // the whole rollout, in buffer (time-major) order
    if (c.normAdv) normalize(mb.advantages);
    this.starts.set(buffer.starts);
    let diag: tf.Tensor[] = [];
    const { gradNorm } = this.optimize(() => {
      const { logprob, entropy, value, auxiliary } = this.evaluate(mb, { envs: this.allEnvs, starts: this.starts });
      // ── policy loss: advantages are constants (from V_old) ──
      const pg = tf.neg(tf.mean(tf.mul(tf.tensor1d(mb.advantages), logprob)));
      // ── value loss: SB3's F.mse_loss(returns, values) ──
      const v = tf.mean(tf.square(tf.sub(tf.tensor1d(mb.returns), value)));
      const ent = tf.mean(entropy);
      diag = [pg, v, ent].map((t) => tf.keep(t));
      const loss = tf.addN([pg, tf.mul(-c.entCoef, ent), tf.mul(c.vfCoef, v)]) as tf.Scalar;
      // ── auxiliary losses (none unless configured) ──
      return this.addAuxiliaryLoss(loss, auxiliary);
    });
    const [policyLoss, valueLoss, entropy] = diag.map((t) => t.dataSync()[0]!);
    tf.dispose(diag);
    return {
      policyLoss: policyLoss!,
      valueLoss: valueLoss!,
      entropy: entropy!,
      gradNorm,
      explainedVariance: explainedVariance(buffer.values, buffer.returns),
      ...this.auxiliaryMetrics(),
    };
  }
}
