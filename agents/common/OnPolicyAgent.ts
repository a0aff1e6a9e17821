/**
 * What REINFORCE, A2C and PPO share (SB3's `OnPolicyAlgorithm`): the rollout source (the agent's
 * own vector env stepped by a `RolloutCollector`, or trajectories actors collected elsewhere), the
 * actor-critic network, the `RolloutBuffer`, episode statistics, learning-rate annealing, the
 * `learn()` loop and checkpoint state. Each agent file adds its config, optimiser, advantage
 * estimate and `train()` (the loss and update), and reads top to bottom like a paper appendix.
 */
import * as tf from '@tensorflow/tfjs';
import type { EnvFactory, VectorEnv } from '../../src/core/Env.js';
import { Rng, type RngState } from '../../src/core/Rng.js';
import { SyncVectorEnv } from '../../envs/vector/SyncVectorEnv.js';
import type { Box, Discrete, Space, SpaceJSON } from '../../src/core/spaces.js';
import { ActorCritic, type ActorCriticConfig } from '../../src/nn/ActorCritic.js';
import { computeGae } from './gae.js';
import { computeVtrace } from './vtrace.js';
import { CurrentPolicyValues } from './CurrentPolicyValues.js';
import { type EpisodeEnd, envResetSeed, RolloutCollector, samplingSeed } from './RolloutCollector.js';
import { runUpdateCallbacks, type TrainingCallback, type UpdateRecord } from './callbacks.js';
import { clipByGlobalNorm, type Optimizer } from './optim.js';
import { RolloutBuffer, type Minibatch } from './RolloutBuffer.js';
import { OneHotObservation } from '../../envs/wrappers/OneHotObservation.js';
import { type AugmentSpec, ImageAugmentation } from './augment.js';
import { type AuxiliaryInputs, type AuxiliarySpec, AuxiliaryTasks, auxiliaryMetric } from './auxiliary.js';

/** Fields every on-policy agent's config has. */
export interface OnPolicyConfig {
  /** Seed of network init, action sampling (its own stream), minibatch shuffles and env resets. */
  seed: number;
  /** Parallel envs N (when the agent builds its own vector env from a factory). */
  numEnvs: number;
  /** Env steps per env per rollout T; a rollout is N·T transitions. */
  numSteps: number;
  /** Discount γ per step. */
  gamma: number;
  /** Optimiser step size. */
  learningRate: number;
  /** Anneal the learning rate linearly over the run, from `learningRate` to `finalLearningRate`. */
  annealLr: boolean;
  /** Where `annealLr` ends (0 in CleanRL); a floor keeps the last updates learning. */
  finalLearningRate: number;
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
  /** Auxiliary losses trained with the agent's loss on the shared encoder and core (empty: none); see auxiliary.ts. */
  auxiliary: AuxiliarySpec[];
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
  /** Network init and minibatch shuffles. */
  rng: RngState;
  /** The action-sampling stream of an in-process run (absent in older checkpoints and in a learner fed by actors: derived from the seed and update). */
  samplingRng?: RngState;
  observationSpace: SpaceJSON;
  actionSpace: SpaceJSON;
  weights: Float32Array[];
  optimizer: { steps: number; slots: Float32Array[] };
  /** The auxiliary heads' weights (absent when the agent has no auxiliary losses). */
  auxiliaryWeights?: Float32Array[];
}

const STATS_WINDOW = 100;

/** One rollout as a source delivered it. */
export interface RolloutResult {
  /** Env steps it holds (N·T). */
  steps: number;
  /** Episodes that ended in it. */
  episodes: readonly EpisodeEnd[];
  /** Figures the source adds to the update's record (actors, policy lag, …). */
  metrics?: Record<string, number>;
}

/**
 * Where an agent's rollouts come from: its own vector env stepped in this process (`LocalRollouts`),
 * or trajectories that actors collected elsewhere (a learner's broker source, src/distributed).
 */
export interface RolloutSource {
  readonly observationSpace: Space;
  readonly actionSpace: Box | Discrete;
  /** Envs N of one rollout (the buffer's columns). */
  readonly numEnvs: number;
  /**
   * Whether the rollouts may come from older weights than the agent's: targets are then V-trace
   * with values recomputed under the current weights (APPO), not GAE on the behaviour values.
   */
  readonly offPolicy: boolean;
  /** Called once, when the agent's network and buffer exist. */
  attach(agent: OnPolicyAgent): void;
  /** Fill `agent.buffer` with one rollout (starts, obs, actions, rewards, ends, behaviour log-probs and values, bootstraps, initial state). */
  collect(agent: OnPolicyAgent): Promise<RolloutResult>;
  /** After each update's optimiser steps, before the callbacks (publish weights, acknowledge the rollout). */
  afterUpdate?(agent: OnPolicyAgent): Promise<void>;
  /** The action-sampling stream's state for checkpoints (null: sampling happens elsewhere). */
  samplingState(): RngState | null;
  /** Continue from a restored checkpoint (the envs reset on the next rollout). */
  restore(state: AgentState): void;
  close(): Promise<void>;
}

/**
 * The in-process source: the agent's own vector env stepped by a `RolloutCollector` under the
 * agent's network, with sampling seeded from the run seed (actor 0's stream).
 */
export class LocalRollouts implements RolloutSource {
  readonly offPolicy: boolean = false;
  readonly numEnvs: number;
  private collector: RolloutCollector | null = null;

  constructor(readonly envs: VectorEnv) {
    this.numEnvs = envs.numEnvs;
  }

  get observationSpace(): Space {
    return this.envs.singleObservationSpace;
  }

  get actionSpace(): Box | Discrete {
    return this.envs.singleActionSpace as Box | Discrete;
  }

  attach(agent: OnPolicyAgent): void {
    this.collector = new RolloutCollector(this.envs, agent.network, { samplingSeed: samplingSeed(agent.config.seed) });
  }

  async collect(agent: OnPolicyAgent): Promise<RolloutResult> {
    const collector = this.attached();
    if (collector.nextObs === null) await collector.reset(envResetSeed(agent.config.seed, agent.update));
    const steps = await collector.collect(agent.buffer);
    return { steps, episodes: collector.episodes };
  }

  samplingState(): RngState {
    return this.attached().rng.getState();
  }

  restore(state: AgentState): void {
    const collector = this.attached();
    if (state.samplingRng) collector.rng.setState(state.samplingRng);
    else collector.rng.reseed(derivedSamplingSeed(state.config.seed, state.update));
    collector.invalidate();
  }

  async close(): Promise<void> {
    this.collector?.dispose();
    await this.envs.close();
  }

  private attached(): RolloutCollector {
    if (this.collector === null) throw new Error('LocalRollouts: not attached to an agent');
    return this.collector;
  }
}

/** The sampling seed of a checkpoint that did not save the stream: the run seed's, moved on by the update. */
export function derivedSamplingSeed(seed: number, update: number): number {
  return (samplingSeed(seed) + Math.imul(update, 0x7feb352d)) >>> 0;
}

/** Bytes in the MB of the memory figures (2^20, as /proc and `top` count). */
const MB = 1024 * 1024;

/**
 * Runs on the freshly built network before the agent's optimiser collects its trainable variables:
 * the place to load pretrained weights and freeze layers (`applyPretrainedEncoder`), since freezing
 * after the optimiser exists would leave it holding slots for variables it no longer updates.
 */
export type NetworkInit = (network: ActorCritic) => void;

/**
 * The base of PPO, A2C and REINFORCE (SB3's `OnPolicyAlgorithm`): it owns the rollout source,
 * the network and the rollout buffer, takes rollouts and runs `learn()`; a subclass supplies
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
  /** Where the rollouts come from (`LocalRollouts` over the agent's own envs, or a learner's broker source). */
  readonly source: RolloutSource;
  readonly network: ActorCritic;
  readonly buffer: RolloutBuffer;
  /** Network init and minibatch shuffles (action sampling has its own stream, in the rollout source). */
  readonly rng: Rng;
  /** The update's image augmentation (its own Rng stream, reseeded each update from the seed and update number). */
  readonly augmentation: ImageAugmentation;
  /** The auxiliary losses and their heads (their own Rng streams: head init from the seed, negatives reseeded each update). */
  readonly auxiliary: AuxiliaryTasks;
  abstract readonly optimizer: Optimizer;
  /** Env steps taken (all envs together). */
  globalStep = 0;
  /** Updates done. */
  update = 0;
  /** The step budget of the current `learn()` call (learning-rate annealing spans it). */
  totalSteps = 0;

  protected readonly numEnvs: number;
  protected readonly actionSize: number;
  /** [T·N] scratch of the V-trace targets: log π(a_t|s_t) under the current weights, then log ρ_t. */
  private readonly currentLogprobs: Float32Array;
  /** [T·N] the index in `buffer.finals` of each row's final observation, −1 where the step did not truncate. */
  /** V-trace's recompute under the current weights (built on the first off-policy rollout). */
  private currentPolicyValues: CurrentPolicyValues | null = null;
  private readonly recent = { returns: [] as number[], lengths: [] as number[], success: [] as number[], episodes: 0 };
  /** The auxiliary losses of the current optimiser step (kept until it is done), and their sums over the update. */
  private auxiliaryParts: Array<{ kind: AuxiliarySpec['kind']; loss: tf.Scalar }> = [];
  private readonly auxiliarySums = new Map<string, { sum: number; count: number }>();

  /** `envs`: a factory (the agent builds `numEnvs` envs in this thread), a vector env, or another rollout source. */
  constructor(envs: VectorEnv | EnvFactory | RolloutSource, defaults: C, config: Partial<C>, init?: NetworkInit) {
    this.config = { ...defaults, ...config, network: { ...defaults.network, ...config.network } };
    this.rng = new Rng(this.config.seed);
    this.source =
      typeof envs === 'function'
        ? new LocalRollouts(new SyncVectorEnv(OneHotObservation.wrapFactory(envs), this.config.numEnvs))
        : isRolloutSource(envs)
          ? envs
          : new LocalRollouts(envs);
    this.numEnvs = this.source.numEnvs;
    const obsSpace = this.source.observationSpace;
    const actSpace = this.source.actionSpace;
    this.augmentation = new ImageAugmentation(obsSpace, this.config.augment, this.augmentSeed());
    this.network = new ActorCritic(obsSpace, actSpace, this.config.network, this.rng);
    try {
      init?.(this.network);
      const featureSize = this.network.encoder.outputs[0]!.shape[1] as number;
      const beliefSize = this.network.core ? this.network.core.size : featureSize;
      this.auxiliary = new AuxiliaryTasks(this.config.auxiliary, {
        observationSpace: obsSpace,
        actionSpace: actSpace,
        featureSize,
        beliefSize,
        numSteps: this.config.numSteps,
        seed: this.auxiliarySeed(0x41757831),
      });
    } catch (err) {
      this.network.dispose();
      throw err;
    }
    this.actionSize = this.network.dist.actionSize;
    const stateSizes = this.network.core ? Array(this.network.core.numStates).fill(this.network.core.size) : [];
    this.buffer = new RolloutBuffer(this.config.numSteps, this.numEnvs, obsSpace, this.actionSize, stateSizes);
    this.currentLogprobs = new Float32Array(this.buffer.size);
    this.source.attach(this);
  }

  /** The agent's own vector env. @throws Error when its rollouts come from elsewhere (a learner fed by actors). */
  get envs(): VectorEnv {
    if (this.source instanceof LocalRollouts) return this.source.envs;
    throw new Error(`${this.name}: its rollouts come from actors, it has no envs of its own`);
  }

  get observationSpace(): Space {
    return this.source.observationSpace;
  }

  get actionSpace(): Box | Discrete {
    return this.source.actionSpace;
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
        // CleanRL: frac = 1 − (iteration − 1) / num_iterations, here between the two rates.
        const frac = Math.max(0, 1 - (this.update - 1) / numUpdates);
        const { learningRate, finalLearningRate } = this.config;
        this.optimizer.learningRate = finalLearningRate + frac * (learningRate - finalLearningRate);
      }
      const rollout = await this.collectRollout();
      const rolloutSeconds = (performance.now() - start) / 1000;
      this.computeTargets();
      this.augmentation.reseed(this.augmentSeed());
      this.auxiliary.reseed(this.auxiliarySeed(this.update));
      const losses = this.train();
      await this.source.afterUpdate?.(this);
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
        ...rollout.metrics,
        ...memoryFigures(),
      };
      if ((await runUpdateCallbacks(callbacks, last, this)) === 'stop') break;
    }
    for (const callback of callbacks) await callback.onTrainingEnd?.(last, this);
    return last;
  }

  // ───────────────────────────── rollout and targets ─────────────────────────────

  /** Fill the buffer with one rollout from the source; counts its steps and episodes. */
  protected async collectRollout(): Promise<RolloutResult> {
    const rollout = await this.source.collect(this);
    this.globalStep += rollout.steps;
    this.recordEpisodes(rollout.episodes);
    return rollout;
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

  /**
   * V-trace targets (IMPALA) for a rollout that older weights collected, as APPO computes them:
   * V(s_t) and log π(a_t|s_t) recomputed under the current weights (recurrent: each env's sequence
   * replayed from its initial state), ρ_t = π/μ against the behaviour log-probs in the buffer.
   * The bootstraps are recomputed too, as IMPALA's bootstrap_value: V(s_T) on `lastObs` and
   * V(final obs) on `finals` at the truncated steps, from the same recurrent states as the
   * collector's. Afterwards `values` holds the current V(s_t) (the value clip's reference),
   * `lastValues` and `finalValues` the current bootstraps, `returns` the targets v_s and
   * `advantages` ρ̄-clipped ρ_s·(r_s + γ·v_{s+1} − V(s_s)); the policy loss keeps the behaviour
   * log-probs, so PPO's ratio is π/μ.
   */
  protected vtrace(lambda: number, rhoBar = 1, cBar = 1): void {
    const b = this.buffer;
    const current = this.currentLogprobs;
    this.currentPolicyValues ??= new CurrentPolicyValues(this.network, b, this.observationSpace);
    this.currentPolicyValues.run(b.values, current);
    const logRhos = current;
    for (let i = 0; i < b.size; i++) logRhos[i] = current[i]! - b.logprobs[i]!;
    computeVtrace(
      {
        numSteps: b.numSteps,
        numEnvs: b.numEnvs,
        gamma: this.config.gamma,
        lambda,
        rhoBar,
        cBar,
        rewards: b.rewards,
        values: b.values,
        terminated: b.terminated,
        truncated: b.truncated,
        finalValues: b.finalValues,
        lastValues: b.lastValues,
        logRhos,
      },
      b.returns,
      b.advantages,
    );
  }

  private recordEpisodes(episodes: readonly EpisodeEnd[]): void {
    const r = this.recent;
    for (const episode of episodes) {
      r.returns.push(episode.return);
      r.lengths.push(episode.length);
      if (episode.success !== null) r.success.push(episode.success);
      r.episodes++;
      for (const list of [r.returns, r.lengths, r.success]) if (list.length > STATS_WINDOW) list.shift();
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

  /** Seed of the augmentation stream for the current update, derived like `envResetSeed` so that resumes repeat it. */
  private augmentSeed(): number {
    return (Math.imul(this.config.seed ^ 0x41756721, 0x85ebca6b) + Math.imul(this.update, 0x9e3779b1)) >>> 0;
  }

  /** Seed of an auxiliary stream: the heads' init (`salt` a constant) or the negatives of an update (`salt` the update). */
  private auxiliarySeed(salt: number): number {
    return (Math.imul(this.config.seed ^ 0x61757821, 0xc2b2ae35) + Math.imul(salt, 0x9e3779b1)) >>> 0;
  }

  // ───────────────────────────── re-evaluation and gradients ─────────────────────────────

  /** Every variable the optimiser updates: the network's, then the auxiliary heads'. */
  protected trainableVariables(): tf.Variable[] {
    return [...this.network.variables(), ...this.auxiliary.variables()];
  }

  /**
   * log π(a|s), entropy and V(s) of a minibatch under the current parameters. Feed-forward: one
   * batched pass. Recurrent: `seq` names the envs whose whole sequences the minibatch holds
   * (time-major, see `RolloutBuffer.envRows`) and their episode starts; the core replays them from
   * the state stored at the start of the rollout (CleanRL ppo_atari_lstm). With auxiliary losses,
   * the same pass also encodes the successor rows they need (`auxiliary.plan`) and returns what the
   * losses read (`addAuxiliaryLoss`); else `auxiliary` is null. Call inside a gradient function or
   * `tf.tidy`.
   */
  protected evaluate(
    mb: Minibatch,
    seq: { envs: ArrayLike<number>; starts: Float32Array } | null,
  ): { logprob: tf.Tensor1D; entropy: tf.Tensor1D; value: tf.Tensor1D; auxiliary: AuxiliaryInputs | null } {
    const net = this.network;
    const plan = this.auxiliary.enabled ? this.auxiliary.plan(mb, this.buffer) : null;
    const rows = plan ? plan.rows : mb.size;
    const obs = net.obsTensors(this.augmentation.apply(plan ? plan.observations : mb.obs, rows), 0, rows);
    const encoded = net.encode(obs);
    // Rows past the minibatch's are successors for the auxiliary losses only.
    const features = rows > mb.size ? tf.slice(encoded, [0, 0], [mb.size, -1]) : encoded;
    let beliefs = features;
    if (net.core) {
      if (!seq) throw new Error('evaluate: a recurrent network needs whole sequences');
      const e = seq.envs.length;
      const envIdx = tf.tensor1d(Array.from(seq.envs), 'int32');
      const state0 = this.buffer.initialState.map((s) => tf.gather(tf.tensor2d(s, [this.numEnvs, net.core!.size]), envIdx) as tf.Tensor2D);
      beliefs = net.core.unroll(features, state0, tf.tensor2d(seq.starts, [this.buffer.numSteps, e])).outputs;
    }
    const out = net.heads(beliefs);
    const auxiliary = plan ? { plan, features: encoded, beliefs, logits: out.params } : null;
    const actions = tf.tensor2d(mb.actions, [mb.size, this.actionSize]);
    const dist = net.dist;
    if (dist.kind === 'categorical')
      return { logprob: dist.logProb(out.params, actions), entropy: dist.entropy(out.params), value: out.value, auxiliary };
    return {
      logprob: dist.logProb(out.params, actions, net.logStd!),
      entropy: dist.entropy(out.params, net.logStd!),
      value: out.value,
      auxiliary,
    };
  }

  /**
   * `loss` plus the weighted auxiliary losses of the forward pass `auxiliary` (`evaluate`'s), or
   * `loss` itself when there are none. Call inside `optimize`'s loss function: the update's record
   * gains each kind's mean unweighted loss (`auxiliaryMetrics`).
   */
  protected addAuxiliaryLoss(loss: tf.Scalar, auxiliary: AuxiliaryInputs | null): tf.Scalar {
    if (auxiliary === null) return loss;
    const { total, parts } = this.auxiliary.loss(auxiliary);
    this.auxiliaryParts = parts.map((p) => ({ kind: p.kind, loss: tf.keep(p.loss) }));
    return tf.add(loss, total) as tf.Scalar;
  }

  /** Each auxiliary loss's mean over the update's optimiser steps (`auxInverseDynamics`, `auxCpcA`), then reset. */
  protected auxiliaryMetrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, { sum, count }] of this.auxiliarySums) out[name] = sum / count;
    this.auxiliarySums.clear();
    return out;
  }

  /**
   * One optimiser step on `loss()`: gradients w.r.t. every trainable variable, clipped to a global
   * norm of `maxGradNorm`, applied. `loss` may `tf.keep` diagnostics it stores outside; the caller
   * disposes them.
   */
  protected optimize(loss: () => tf.Scalar): { loss: number; gradNorm: number } {
    const vars = this.trainableVariables();
    const { value, grads } = tf.variableGrads(loss, vars);
    // A variable the loss does not reach (the value head of REINFORCE without a baseline) gets zeros.
    const missing: tf.Tensor[] = [];
    const ordered = vars.map((v) => grads[v.name] ?? missing[missing.push(tf.zerosLike(v)) - 1]!);
    const clipped = clipByGlobalNorm(ordered, this.config.maxGradNorm);
    this.optimizer.apply(clipped.grads);
    const lossValue = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads), ...missing, ...clipped.grads]);
    for (const { kind, loss: part } of this.auxiliaryParts) {
      const entry = this.auxiliarySums.get(auxiliaryMetric(kind)) ?? { sum: 0, count: 0 };
      entry.sum += part.dataSync()[0]!;
      entry.count++;
      this.auxiliarySums.set(auxiliaryMetric(kind), entry);
      part.dispose();
    }
    this.auxiliaryParts = [];
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
      ...samplingField(this.source.samplingState()),
      observationSpace: this.observationSpace.toJSON(),
      actionSpace: this.actionSpace.toJSON(),
      weights: this.network.getWeights(),
      optimizer: this.optimizer.getState(),
      ...(this.auxiliary.enabled ? { auxiliaryWeights: this.auxiliary.getWeights() } : {}),
    };
  }

  /** Continue from a saved state (same agent, spaces and network). Envs are reset on the next rollout. */
  setState(state: AgentState): void {
    if (state.agent !== this.name) throw new RangeError(`checkpoint is for agent "${state.agent}", not "${this.name}"`);
    const same = (a: Space, b: SpaceJSON): boolean => JSON.stringify(a.toJSON()) === JSON.stringify(b);
    if (!same(this.observationSpace, state.observationSpace) || !same(this.actionSpace, state.actionSpace)) {
      throw new RangeError('checkpoint was trained on different observation or action spaces');
    }
    if (this.auxiliary.enabled !== (state.auxiliaryWeights !== undefined))
      throw new RangeError(
        `checkpoint was trained ${this.auxiliary.enabled ? 'without' : 'with'} auxiliary losses, the agent has ${this.auxiliary.enabled ? 'some' : 'none'}`,
      );
    this.network.setWeights(state.weights);
    if (state.auxiliaryWeights) this.auxiliary.setWeights(state.auxiliaryWeights);
    this.optimizer.setState(state.optimizer);
    this.rng.setState(state.rng);
    this.globalStep = state.step;
    this.update = state.update;
    this.totalSteps = state.totalSteps;
    this.source.restore(state);
  }

  async close(): Promise<void> {
    await this.source.close();
    this.optimizer.dispose();
    this.auxiliary.dispose();
    this.network.dispose();
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

/** A vector env has `singleObservationSpace`; a rollout source has none (a vector env may have a private `collect`). */
function isRolloutSource(value: VectorEnv | RolloutSource): value is RolloutSource {
  return !('singleObservationSpace' in value);
}

function samplingField(state: RngState | null): { samplingRng?: RngState } {
  return state === null ? {} : { samplingRng: state };
}
