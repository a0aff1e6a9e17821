/**
 * Evaluation during training (SB3's `EvalCallback`): every N updates and once more at the end, the
 * agent's current weights play the fixed episodes of a split — the val split by default: held-out
 * scenes, the same episodes every time, so the figures are comparable along the run. Actions are
 * sampled (seeded) unless `deterministic`. Each result goes to a log as an `"type": "eval"`
 * record (a run's `MetricsWriter`), and the last one stays readable as `last`.
 *
 *   const val = new EvalCallback(ppo, make('PointNav-Easy-v0'), { envId: 'PointNav-Easy-v0', every: 10, log: metrics });
 *   await ppo.learn(1e6, { callbacks: [metrics, val] });
 *   console.log(val.last?.summary.success);
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TrainingCallback, UpdateRecord } from '../../agents/common/callbacks.js';
import type { OnPolicyAgent } from '../../agents/common/OnPolicyAgent.js';
import { policyInfo } from '../../agents/common/policyInfo.js';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import type { EpisodeSpec, Split } from '../../envs/episodes.js';
import type { Env } from '../core/Env.js';
import { attachRecorder } from '../runs/Recording.js';
import { type EvaluationSummary, evaluate } from './evaluate.js';
import { type ActionChoice, actionChoice } from './policies.js';

/** The env, episodes, schedule and outputs of an `EvalCallback`. */
export interface EvalCallbackOptions {
  /** The env's registered id (recordings name it as their task). */
  envId: string;
  /** Evaluate every N updates; 0 evaluates only at the end. @default 10 */
  every?: number;
  /** Split of the fixed episodes. @default 'val' */
  split?: Split;
  /** Episodes per evaluation. @default 20 */
  episodes?: number;
  /** Take the most likely action instead of sampling one. @default false */
  deterministic?: boolean;
  /** Episode i is reset with seed + i; also seeds the action sampling. @default 0 */
  seed?: number;
  /** Receives one `"type": "eval"` record per evaluation, e.g. a run's `MetricsWriter`. */
  log?: { write(record: EvalRecord): void };
  /** Write the first `episodes` episodes of each evaluation to `<dir>/eval-<step>.rec` (robonav view). */
  record?: { dir: string; episodes: number; source?: string };
}

/** One evaluation as a metrics line. */
export type EvalRecord = {
  type: 'eval';
  step: number;
  split: Split;
  episodes: number;
  actions: ActionChoice;
  success: number;
  spl: number;
  softSpl: number;
  return: number;
};

/** One evaluation of the weights at a training step. */
export interface EvalResult {
  /** Env steps of training when the weights were evaluated. */
  step: number;
  summary: EvaluationSummary;
}

/** How `evaluateAgent` acts and seeds its episodes. */
export interface EvaluateAgentOptions {
  /** @default false */
  deterministic?: boolean;
  /** @default 0 */
  seed?: number;
}

/**
 * The agent's current weights as a policy, once on each episode (the network is shared, not
 * copied: nothing to load, nothing left behind). Episode i is reset with seed + i.
 */
export async function evaluateAgent(
  agent: OnPolicyAgent,
  env: Env,
  episodes: readonly EpisodeSpec[],
  options: EvaluateAgentOptions = {},
): Promise<EvaluationSummary> {
  const seed = options.seed ?? 0;
  const policy = TrainedPolicy.fromModel('training', agent.network.toLayersModel(), policyInfo(agent), {
    ownsModel: false,
    stochastic: options.deterministic !== true,
    seed,
  });
  try {
    return (await evaluate(env, policy, episodes, { seed })).summary;
  } finally {
    policy.dispose();
  }
}

/**
 * Evaluates the agent's current weights on fixed episodes every N updates and at the end of
 * `learn()`, writes each result as an `"type": "eval"` metrics record and keeps the latest in `last`.
 */
export class EvalCallback implements TrainingCallback {
  /** The latest evaluation, or null before the first. */
  last: EvalResult | null = null;
  private readonly every: number;
  private readonly split: Split;
  private readonly episodes: EpisodeSpec[];
  private evaluatedUpdate = -1;

  /** `env` is the callback's to step, not to close. @throws UsageError when the env cannot draw episodes. */
  constructor(
    private readonly agent: OnPolicyAgent,
    private readonly env: Env,
    private readonly options: EvalCallbackOptions,
  ) {
    this.every = options.every ?? 10;
    if (!Number.isInteger(this.every) || this.every < 0)
      throw new RangeError(`EvalCallback: every must be an integer >= 0, got ${this.every}`);
    this.split = options.split ?? 'val';
    this.episodes = fixedEpisodes(options.envId, env, { split: this.split, count: options.episodes ?? 20 }).episodes;
  }

  async onUpdate(record: UpdateRecord): Promise<void> {
    if (this.every > 0 && record.update % this.every === 0) await this.evaluate();
  }

  async onTrainingEnd(): Promise<void> {
    if (this.evaluatedUpdate !== this.agent.update) await this.evaluate();
  }

  private async evaluate(): Promise<void> {
    const step = this.agent.globalStep;
    const record = this.options.record;
    const recorder = record
      ? attachRecorder(this.env, {
          source: `${record.source ?? 'training'} · ${this.split} · step ${step}`,
          task: this.options.envId,
          maxEpisodes: record.episodes,
        })
      : null;
    const summary = await evaluateAgent(this.agent, recorder?.env ?? this.env, this.episodes, this.options);
    if (recorder && record) {
      mkdirSync(record.dir, { recursive: true });
      recorder.writer.save(path.join(record.dir, `eval-${step}.rec`));
    }
    this.last = { step, summary };
    this.evaluatedUpdate = this.agent.update;
    this.options.log?.write({
      type: 'eval',
      step,
      split: this.split,
      episodes: summary.episodes,
      actions: actionChoice(this.options.deterministic === true),
      success: summary.success,
      spl: summary.spl,
      softSpl: summary.softSpl,
      return: summary.return,
    });
  }
}
