/**
 * What REINFORCE, A2C and PPO share (SB3's `OnPolicyAlgorithm`): the vector env, the actor-critic
 * network, the rollout loop filling a `RolloutBuffer`, episode statistics, learning-rate annealing,
 * the `learn()` loop and checkpoint state. Each agent file adds its config, optimiser, advantage
 * estimate and `train()` (the loss and update), and reads top to bottom like a paper appendix.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchedObservation, EnvFactory, Info, VectorEnv } from '../../src/core/Env.js';
import { Rng, type RngState } from '../../src/core/Rng.js';
import { SyncVectorEnv } from '../../envs/vector/SyncVectorEnv.js';
import { allocateBatch, writeToBatch } from '../../src/core/batch.js';
import { type Box, Discrete, type Space, type SpaceJSON } from '../../src/core/spaces.js';
import { ActorCritic, type ActorCriticConfig } from '../../src/nn/ActorCritic.js';
import { computeGae } from './gae.js';
import { runUpdateCallbacks, type TrainingCallback, type UpdateRecord } from './callbacks.js';
import { clipByGlobalNorm, type Optimizer } from './optim.js';
import { RolloutBuffer, type Minibatch } from './RolloutBuffer.js';
import { OneHotObservation } from '../../envs/wrappers/OneHotObservation.js';
import { type AugmentSpec, ImageAugmentation } from './augment.js';

/** Fields every on-policy agent's config has. */
export interface OnPolicyConfig {
  /** Seed of network init, action sampling, minibatch shuffles and env resets. */
  seed: number;
  /** Parallel envs N (when the agent builds its own vector env from a factory). */
  numEnvs: number;
  /** Env steps per env per rollout T; a rollout is N·T transitions. */
  numSteps: number;
  /** Discount γ per step. */
  gamma: number;
  /** Optimiser step size. */
  learningRate: number;
  /** Anneal the learning rate linearly to 0 over the run. */
  annealLr: boolean;
  /** Global gradient-norm clip (L2 over all parameters). */
  maxGradNorm: number;
  /** Weight of the entropy bonus. */
  entCoef: number;
  /** Weight of the value loss. */
  vfCoef: number;
  /** The network (encoders, core, sizes); see `ActorCriticConfig`. */
  network: Partial<ActorCriticConfig>;
  /** Image augmentation of the update's minibatches, applied in order (empty: none); see augment.ts. */
  augment: AugmentSpec[];
}

/** Episode statistics reported with each update. */
export interface EpisodeStats {
  /** Episodes finished since the last update. */
  episodes: number;
  /** Mean return / length / success of the last ≤ 100 episodes (NaN before the first). */
  episodeReturn: number;
  episodeLength: number;
  success: number;
}

/** Options of `learn()`. */
export interface LearnOptions {
  /** Called at the start, after each update and at the end (metrics, checkpoints, evaluation, early stop); see callbacks.ts. */
  callbacks?: TrainingCallback[];
}

/** Everything a checkpoint needs to continue a run exactly. */
export interface AgentState {
  agent: string;
  config: OnPolicyConfig;
  step: number;
  update: number;
  totalSteps: number;
  rng: RngState;
  observationSpace: SpaceJSON;
  actionSpace: SpaceJSON;
  weights: Float32Array[];
  optimizer: { steps: number; slots: Float32Array[] };
}

const STATS_WINDOW = 100;

/** Bytes in the MB of the memory figures (2^20, as /proc and `top` count). */
const MB = 1024 * 1024;

/**
 * Runs on the freshly built network before the agent's optimiser collects its trainable variables:
 * the place to load pretrained weights and freeze layers (`applyPretrainedEncoder`), since freezing
 * after the optimiser exists would leave it holding slots for variables it no longer updates.
 */
export type NetworkInit = (network: ActorCritic) => void;

/**
 * The base of PPO, A2C and REINFORCE (SB3's `OnPolicyAlgorithm`): it owns the vector env, the
 * network and the rollout buffer, collects rollouts and runs `learn()`; a subclass supplies
 * `computeTargets()` and `train()`.
 *
 * @example
 * const ppo = new PPO(() => make('PointNav-Easy-v0'), { numEnvs: 8 });
 * await ppo.learn(100_000, { callbacks: [new ProgressBarCallback(), new StopOnSignal()] });
 * await ppo.close();
 */
export abstract class OnPolicyAgent<C extends OnPolicyConfig = OnPolicyConfig> {
  abstract readonly name: string;
  readonly config: C;
  readonly envs: VectorEnv;
  readonly network: ActorCritic;
  readonly buffer: RolloutBuffer;
  readonly rng: Rng;
  /** The update's image augmentation (its own Rng stream, reseeded each update from the seed and update number). */
  readonly augmentation: ImageAugmentation;
  abstract readonly optimizer: Optimizer;
  /** Env steps taken (all envs together). */
  globalStep = 0;
  /** Updates done. */
  update = 0;
  /** The step budget of the current `learn()` call (learning-rate annealing spans it). */
  totalSteps = 0;

  protected readonly numEnvs: number;
  protected readonly actionSize: number;
  private nextObs: BatchedObservation | null = null;
  private readonly nextStarts: Uint8Array;
  private state: tf.Tensor2D[] = [];
  private readonly finalObsBatch: BatchedObservation;
  private readonly actionsOut: Int32Array | Float32Array;
  private readonly sampled: Float32Array;
  private readonly runningReturn: Float64Array;
  private readonly runningLength: Int32Array;
  private readonly recent = { returns: [] as number[], lengths: [] as number[], success: [] as number[], episodes: 0 };

  constructor(envs: VectorEnv | EnvFactory, defaults: C, config: Partial<C>, init?: NetworkInit) {
    this.config = { ...defaults, ...config, network: { ...defaults.network, ...config.network } };
    this.rng = new Rng(this.config.seed);
    this.envs = typeof envs === 'function' ? new SyncVectorEnv(OneHotObservation.wrapFactory(envs), this.config.numEnvs) : envs;
    this.numEnvs = this.envs.numEnvs;
    const obsSpace = this.envs.singleObservationSpace;
    const actSpace = this.envs.singleActionSpace;
    this.augmentation = new ImageAugmentation(obsSpace, this.config.augment, this.augmentSeed());
    this.network = new ActorCritic(obsSpace, actSpace, this.config.network, this.rng);
    try {
      init?.(this.network);
    } catch (err) {
      this.network.dispose();
      throw err;
    }
    this.actionSize = this.network.dist.actionSize;
    const stateSizes = this.network.core ? Array(this.network.core.numStates).fill(this.network.core.size) : [];
    this.buffer = new RolloutBuffer(this.config.numSteps, this.numEnvs, obsSpace, this.actionSize, stateSizes);
    this.nextStarts = new Uint8Array(this.numEnvs).fill(1);
    this.finalObsBatch = allocateBatch(obsSpace, this.numEnvs);
    this.actionsOut = actSpace instanceof Discrete ? new Int32Array(this.numEnvs) : new Float32Array(this.numEnvs * this.actionSize);
    this.sampled = new Float32Array(this.numEnvs * this.actionSize);
    this.runningReturn = new Float64Array(this.numEnvs);
    this.runningLength = new Int32Array(this.numEnvs);
  }

  /** Transitions per rollout (N·T). */
  get batchSize(): number {
    return this.buffer.size;
  }

  // ───────────────────────────── the per-agent parts ─────────────────────────────

  /** Advantages and returns from the filled buffer (PPO/A2C: GAE; REINFORCE: Monte-Carlo). */
  protected abstract computeTargets(): void;

  /** One update from the filled buffer; returns the losses and diagnostics to log. */
  protected abstract train(): Record<string, number>;

  // ───────────────────────────── learn ─────────────────────────────

  /**
   * Train until `totalSteps` env steps (counted over all envs; a resumed agent continues from its
   * step counter). Returns the last update's record.
   */
  async learn(totalSteps: number, options: LearnOptions = {}): Promise<UpdateRecord | null> {
    if (!Number.isFinite(totalSteps) || totalSteps <= 0)
      throw new RangeError(`learn: totalSteps must be a positive number, got ${totalSteps}`);
    this.totalSteps = totalSteps;
    const numUpdates = Math.ceil(totalSteps / this.batchSize);
    const callbacks = options.callbacks ?? [];
    for (const callback of callbacks) await callback.onTrainingStart?.(this);
    let last: UpdateRecord | null = null;
    while (this.globalStep < totalSteps) {
      const start = performance.now();
      this.update++;
      if (this.config.annealLr) {
        // CleanRL: frac = 1 − (iteration − 1) / num_iterations.
        const frac = Math.max(0, 1 - (this.update - 1) / numUpdates);
        this.optimizer.learningRate = frac * this.config.learningRate;
      }
      await this.collectRollout();
      const rolloutSeconds = (performance.now() - start) / 1000;
      this.computeTargets();
      this.augmentation.reseed(this.augmentSeed());
      const losses = this.train();
      const seconds = (performance.now() - start) / 1000;
      const stats = this.takeEpisodeStats();
      last = {
        step: this.globalStep,
        update: this.update,
        time: Date.now() / 1000,
        sps: this.batchSize / seconds,
        rolloutSps: this.batchSize / rolloutSeconds,
        learningRate: this.optimizer.learningRate,
        ...nullIfNaN(stats),
        ...losses,
        ...memoryFigures(),
      };
      if ((await runUpdateCallbacks(callbacks, last, this)) === 'stop') break;
    }
    for (const callback of callbacks) await callback.onTrainingEnd?.(last, this);
    return last;
  }

  // ───────────────────────────── rollout ─────────────────────────────

  /** Reset the envs (seeded) and the recurrent state; `learn` does it before the first rollout. */
  async resetEnvs(seed: number): Promise<void> {
    const { obs } = await this.envs.reset({ seed });
    this.nextObs = obs;
    this.nextStarts.fill(1);
    tf.dispose(this.state);
    this.state = this.network.zeroState(this.numEnvs);
    this.runningReturn.fill(0);
    this.runningLength.fill(0);
  }

  /** Fill the buffer with T steps of every env under the current policy. */
  protected async collectRollout(): Promise<void> {
    if (this.nextObs === null) await this.resetEnvs(this.envSeed());
    const { buffer, network } = this;
    const N = this.numEnvs;
    const logStd = network.logStd ? (network.logStd.dataSync() as Float32Array) : null;
    buffer.initialState.forEach((dst, k) => {
      dst.set(this.state[k]!.dataSync());
    });
    for (let t = 0; t < buffer.numSteps; t++) {
      buffer.writeObs(t, this.nextObs!);
      buffer.starts.set(this.nextStarts, t * N);
      // ── action logic: forward, sample in JS from the seeded Rng, log-prob through the same ops as the update ──
      const prevState = this.state;
      const { value, logprob, state } = tf.tidy(() => {
        const starts = tf.tensor1d(this.nextStarts, 'float32');
        const out = network.step(network.obsTensors(this.nextObs!, 0, N), prevState, starts);
        const paramsData = out.params.dataSync() as Float32Array;
        this.sample(paramsData, logStd);
        const actions = tf.tensor2d(this.sampled, [N, this.actionSize]);
        const lp =
          network.dist.kind === 'categorical'
            ? network.dist.logProb(out.params, actions)
            : network.dist.logProb(out.params, actions, network.logStd!);
        return { value: out.value, logprob: lp, state: out.state };
      });
      tf.dispose(prevState);
      this.state = state;
      buffer.values.set(value.dataSync(), t * N);
      buffer.logprobs.set(logprob.dataSync(), t * N);
      buffer.actions.set(this.sampled, t * N * this.actionSize);
      tf.dispose([value, logprob]);

      // ── env step ──
      const result = await this.envs.step(this.actionsOut);
      this.globalStep += N;
      this.nextObs = result.obs;
      buffer.rewards.set(result.rewards, t * N);
      buffer.terminated.set(result.terminated, t * N);
      for (let n = 0; n < N; n++) buffer.truncated[t * N + n] = result.truncated[n]! && !result.terminated[n]! ? 1 : 0;
      this.trackEpisodes(result.rewards, result.terminated, result.truncated, result.infos);
      this.bootstrapTruncated(t, result.infos);
      for (let n = 0; n < N; n++) this.nextStarts[n] = result.terminated[n]! || result.truncated[n]! ? 1 : 0;
    }
    // V(s_T) for the bootstrap of the last step.
    const last = tf.tidy(
      () => network.step(network.obsTensors(this.nextObs!, 0, N), this.state, tf.tensor1d(this.nextStarts, 'float32')).value,
    );
    buffer.lastValues.set(last.dataSync());
    last.dispose();
  }

  /** GAE(γ, λ) over the buffer (λ = 1: n-step returns). */
  protected gae(lambda: number): void {
    const b = this.buffer;
    computeGae(
      {
        numSteps: b.numSteps,
        numEnvs: b.numEnvs,
        gamma: this.config.gamma,
        lambda,
        rewards: b.rewards,
        values: b.values,
        terminated: b.terminated,
        truncated: b.truncated,
        finalValues: b.finalValues,
        lastValues: b.lastValues,
      },
      b.advantages,
      b.returns,
    );
  }

  /** Write env actions from `this.sampled`: Discrete as indices, Box clipped to the bounds (CleanRL's ClipAction). */
  private sample(params: Float32Array, logStd: Float32Array | null): void {
    const dist = this.network.dist;
    const N = this.numEnvs;
    if (dist.kind === 'categorical') {
      dist.sample(params, N, this.rng, this.sampled);
      for (let n = 0; n < N; n++) this.actionsOut[n] = this.sampled[n]!;
    } else {
      dist.sample(params, N, this.rng, this.sampled, logStd!);
      const box = this.envs.singleActionSpace as Box;
      const d = this.actionSize;
      for (let i = 0; i < N * d; i++) this.actionsOut[i] = Math.min(box.high[i % d]!, Math.max(box.low[i % d]!, this.sampled[i]!));
    }
  }

  /** V(final observation) for envs that truncated at step t, from the state after step t. */
  private bootstrapTruncated(t: number, infos: Info[]): void {
    const N = this.numEnvs;
    const rows: number[] = [];
    for (let n = 0; n < N; n++) {
      if (this.buffer.truncated[t * N + n]) {
        writeToBatch(this.envs.singleObservationSpace, this.finalObsBatch, rows.length, infos[n]!.finalObs as never);
        rows.push(n);
      }
    }
    if (rows.length === 0) return;
    const values = tf.tidy(() => {
      const state = this.state.map((s) => tf.gather(s, rows));
      return this.network.step(this.network.obsTensors(this.finalObsBatch, 0, rows.length), state).value;
    });
    const v = values.dataSync();
    rows.forEach((n, j) => {
      this.buffer.finalValues[t * N + n] = v[j]!;
    });
    values.dispose();
  }

  private trackEpisodes(rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array, infos: Info[]): void {
    for (let n = 0; n < this.numEnvs; n++) {
      this.runningReturn[n]! += rewards[n]!;
      this.runningLength[n]!++;
      if (!terminated[n] && !truncated[n]) continue;
      const r = this.recent;
      r.returns.push(this.runningReturn[n]!);
      r.lengths.push(this.runningLength[n]!);
      const success = (infos[n]?.finalInfo as Info | undefined)?.success;
      if (typeof success === 'number' || typeof success === 'boolean') r.success.push(Number(success));
      r.episodes++;
      for (const list of [r.returns, r.lengths, r.success]) if (list.length > STATS_WINDOW) list.shift();
      this.runningReturn[n] = 0;
      this.runningLength[n] = 0;
    }
  }

  private takeEpisodeStats(): EpisodeStats {
    const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
    const stats = {
      episodes: this.recent.episodes,
      episodeReturn: mean(this.recent.returns),
      episodeLength: mean(this.recent.lengths),
      success: mean(this.recent.success),
    };
    this.recent.episodes = 0;
    return stats;
  }

  /** Env reset seed: the run seed at the start, a seed derived from it and the update after a resume (not drawn from `rng`, so resuming does not shift the action stream). */
  private envSeed(): number {
    return (this.config.seed + Math.imul(this.update, 0x9e3779b1)) >>> 0;
  }

  /** Seed of the augmentation stream for the current update, derived like `envSeed` so that resumes repeat it. */
  private augmentSeed(): number {
    return (Math.imul(this.config.seed ^ 0x41756721, 0x85ebca6b) + Math.imul(this.update, 0x9e3779b1)) >>> 0;
  }

  // ───────────────────────────── re-evaluation and gradients ─────────────────────────────

  /**
   * log π(a|s), entropy and V(s) of a minibatch under the current parameters. Feed-forward: one
   * batched pass. Recurrent: `seq` names the envs whose whole sequences the minibatch holds
   * (time-major, see `RolloutBuffer.envRows`) and their episode starts; the core replays them from
   * the state stored at the start of the rollout (CleanRL ppo_atari_lstm). Call inside a gradient
   * function or `tf.tidy`.
   */
  protected evaluate(
    mb: Minibatch,
    seq: { envs: ArrayLike<number>; starts: Float32Array } | null,
  ): { logprob: tf.Tensor1D; entropy: tf.Tensor1D; value: tf.Tensor1D } {
    const net = this.network;
    const obs = net.obsTensors(this.augmentation.apply(mb.obs, mb.size), 0, mb.size);
    let out: { params: tf.Tensor2D; value: tf.Tensor1D };
    if (net.core) {
      if (!seq) throw new Error('evaluate: a recurrent network needs whole sequences');
      const e = seq.envs.length;
      const envIdx = tf.tensor1d(Array.from(seq.envs), 'int32');
      const state0 = this.buffer.initialState.map((s) => tf.gather(tf.tensor2d(s, [this.numEnvs, net.core!.size]), envIdx) as tf.Tensor2D);
      out = net.sequence(obs, state0, tf.tensor2d(seq.starts, [this.buffer.numSteps, e]));
    } else {
      out = net.step(obs);
    }
    const actions = tf.tensor2d(mb.actions, [mb.size, this.actionSize]);
    const dist = net.dist;
    if (dist.kind === 'categorical')
      return { logprob: dist.logProb(out.params, actions), entropy: dist.entropy(out.params), value: out.value };
    return { logprob: dist.logProb(out.params, actions, net.logStd!), entropy: dist.entropy(out.params, net.logStd!), value: out.value };
  }

  /**
   * One optimiser step on `loss()`: gradients w.r.t. every trainable variable, clipped to a global
   * norm of `maxGradNorm`, applied. `loss` may `tf.keep` diagnostics it stores outside; the caller
   * disposes them.
   */
  protected optimize(loss: () => tf.Scalar): { loss: number; gradNorm: number } {
    const vars = this.network.variables();
    const { value, grads } = tf.variableGrads(loss, vars);
    // A variable the loss does not reach (the value head of REINFORCE without a baseline) gets zeros.
    const missing: tf.Tensor[] = [];
    const ordered = vars.map((v) => grads[v.name] ?? missing[missing.push(tf.zerosLike(v)) - 1]!);
    const clipped = clipByGlobalNorm(ordered, this.config.maxGradNorm);
    this.optimizer.apply(clipped.grads);
    const lossValue = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads), ...missing, ...clipped.grads]);
    return { loss: lossValue, gradNorm: clipped.norm };
  }

  // ───────────────────────────── checkpoint state ─────────────────────────────

  getState(): AgentState {
    return {
      agent: this.name,
      config: this.config,
      step: this.globalStep,
      update: this.update,
      totalSteps: this.totalSteps,
      rng: this.rng.getState(),
      observationSpace: this.envs.singleObservationSpace.toJSON(),
      actionSpace: this.envs.singleActionSpace.toJSON(),
      weights: this.network.getWeights(),
      optimizer: this.optimizer.getState(),
    };
  }

  /** Continue from a saved state (same agent, spaces and network). Envs are reset on the next rollout. */
  setState(state: AgentState): void {
    if (state.agent !== this.name) throw new RangeError(`checkpoint is for agent "${state.agent}", not "${this.name}"`);
    const same = (a: Space, b: SpaceJSON): boolean => JSON.stringify(a.toJSON()) === JSON.stringify(b);
    if (!same(this.envs.singleObservationSpace, state.observationSpace) || !same(this.envs.singleActionSpace, state.actionSpace)) {
      throw new RangeError('checkpoint was trained on different observation or action spaces');
    }
    this.network.setWeights(state.weights);
    this.optimizer.setState(state.optimizer);
    this.rng.setState(state.rng);
    this.globalStep = state.step;
    this.update = state.update;
    this.totalSteps = state.totalSteps;
    this.nextObs = null;
  }

  async close(): Promise<void> {
    tf.dispose(this.state);
    this.state = [];
    this.optimizer.dispose();
    this.network.dispose();
    await this.envs.close();
  }
}

/**
 * The process's memory after an update, cheap enough for every record, so that `metrics.jsonl`
 * shows a leak: resident set size and V8 heap in use (MB, to 0.1) and the live tf.js tensors.
 */
function memoryFigures(): { rss: number; heapUsed: number; numTensors: number } {
  const { rss, heapUsed } = process.memoryUsage();
  const toMB = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;
  return { rss: toMB(rss), heapUsed: toMB(heapUsed), numTensors: tf.memory().numTensors };
}

function nullIfNaN(stats: EpisodeStats): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(stats)) out[k] = Number.isNaN(v) ? null : v;
  return out;
}
