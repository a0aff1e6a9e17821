/**
 * `robonav train [--env PointNav-Easy-v0] [--agent ppo|a2c|reinforce] [--steps N] [--num-envs N]
 *   [--env-options JSON] [--seed S] [--out runs/NAME] [--config cfg.json] [--resume runs/NAME] [--workers N] [--view [port]]
 *   [--encoder pretrain/NAME [--freeze-encoder]] [--core pretrain/NAME] [--test-episodes N] [--deterministic] [--json]`
 *
 * Trains an agent on a registered env and writes the run directory:
 *   run.json            env, env options, agent, validated config, budget, pretrained starting point (src/runs/runFile.ts)
 *   metrics.jsonl       one line per update (losses, SPS, episode return, success), plus a line per val evaluation
 *   checkpoint.json + checkpoints/NNNNNN/   the latest checkpoint (policy, optimiser, RNG, step)
 * and ends with an evaluation of the final policy on fixed test episodes, the figure that says
 * what the run learned. With no flags it trains PPO on PointNav-Easy-v0 for a short budget (the
 * README quick start).
 *
 * The program: resolve the flags into a plan (every check; nothing written) → build the run on a
 * clean-up stack → `learn()` with the callbacks (metrics, progress bar, viewer, checkpoints, val
 * evaluation, Ctrl-C) → the test evaluation → the summary.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ProgressBarCallback, StopOnSignal, type TrainingCallback } from '../../agents/common/callbacks.js';
import type { OnPolicyAgent } from '../../agents/common/OnPolicyAgent.js';
import { AGENTS } from '../../agents/registry.js';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import type { Env } from '../core/Env.js';
import { EvalCallback, evaluateAgent } from '../eval/EvalCallback.js';
import type { EvaluationSummary } from '../eval/evaluate.js';
import { type ActionChoice, actionChoice } from '../eval/policies.js';
import { UsageError } from '../core/errors.js';
import type { LearnerTotals } from '../distributed/BrokerRollouts.js';
import { CheckpointCallback } from '../runs/CheckpointCallback.js';
import { ViewerCallback } from '../server/ViewerCallback.js';
import { seedListOption, trainSeeds } from './multiSeed.js';
import { choiceOption, envOptionsOption, integerOption, printJsonLine } from './options.js';
import { CleanupStack } from './train/CleanupStack.js';
import { DEFAULT_MAX_POLICY_LAG, resolveRun, type RunPlan, TRAIN_DEFAULTS, type TrainFlags } from './train/resolveRun.js';
import { setUp, type BuiltRun } from './train/setup.js';

export function register(program: Command): void {
  program
    .command('train')
    .description('Train an agent (PPO, A2C, REINFORCE) on a registered env; writes metrics, checkpoints and the policy under --out.')
    .option('--env <id>', `registered env id (default ${TRAIN_DEFAULTS.env})`)
    .option(
      '--env-options <json>',
      'JSON object of env options, e.g. \'{"sensors":["rgb","pointgoal"],"cameraSize":64}\' (kept in run.json for --resume and eval)',
      envOptionsOption,
    )
    .option('--agent <name>', `${AGENTS.join(' | ')} (default ${TRAIN_DEFAULTS.agent})`, choiceOption(AGENTS))
    .option('--steps <n>', `total env steps, e.g. 1e6 (default ${TRAIN_DEFAULTS.steps})`, integerOption(1))
    .option('--num-envs <n>', 'parallel envs (default: the agent config, 8)', integerOption(1))
    .option('--seed <n>', `seed of the whole run (default ${TRAIN_DEFAULTS.seed})`, integerOption(0))
    .option('--seeds <list>', 'train once per seed, one after another, into <out>/seed-N (e.g. 1,2,3; needs --out)', seedListOption)
    .option('--out <dir>', 'run directory (default runs/<agent>-<env>-seed<seed>, suffixed -2, -3… if taken)')
    .option('--config <file>', 'JSON agent config (partial; unknown keys are an error)')
    .option('--resume <dir>', 'continue the run in <dir> from its latest checkpoint')
    .option(
      '--workers <n>',
      `worker threads stepping the envs (0 = in the main thread; default ${TRAIN_DEFAULTS.workers})`,
      integerOption(0),
    )
    .option(
      '--eval-every <updates>',
      `evaluate on val episodes every N updates and at the end (0 = never; default ${TRAIN_DEFAULTS.evalEvery})`,
      integerOption(0),
    )
    .option('--eval-episodes <n>', `val episodes per evaluation (default ${TRAIN_DEFAULTS.evalEpisodes})`, integerOption(1))
    .option(
      '--test-episodes <n>',
      `at the end, evaluate the final policy on N fixed test episodes, as robonav eval --split test would (0 = skip; default ${TRAIN_DEFAULTS.testEpisodes})`,
      integerOption(0),
    )
    .option(
      '--deterministic',
      'the evaluations take the most likely action instead of sampling one (sampling is seeded, as Habitat evaluates)',
    )
    .option(
      '--checkpoint-every <updates>',
      `checkpoint every N updates and at the end (default ${TRAIN_DEFAULTS.checkpointEvery})`,
      integerOption(1),
    )
    .option('--view [port]', `stream env 0 and the training curves to the browser viewer (default port ${TRAIN_DEFAULTS.viewPort})`)
    .option(
      '--record <n>',
      'write the first N episodes of each val evaluation to <out>/recordings/eval-<step>.rec (robonav view <out>)',
      integerOption(1),
    )
    .option('--encoder <dir>', 'start the image encoder from a `robonav pretrain` output (fresh runs only)')
    .option('--freeze-encoder', 'keep the --encoder weights fixed during training')
    .option(
      '--core <dir>',
      'start the recurrent core from a `robonav pretrain rnn` output: recurrent weights and biases, plus input weights when the policy reads the same features (one image observation and --encoder of the same run); needs network.core gru|lstm in --config; fresh runs only',
    )
    .option(
      '--broker <url>',
      "learn from actors over Redis (redis://[user:password@]host[:port][/db] or rediss://): robonav actor --broker URL --run NAME joins, NAME being the --out directory's name (PPO only)",
    )
    .option('--sync', 'with --broker: actors wait for each new version and every update takes exactly one rollout of it (plain PPO)')
    .option(
      '--max-policy-lag <k>',
      `with --broker: drop chunks more than K versions older than the learner's weights (default ${DEFAULT_MAX_POLICY_LAG})`,
      integerOption(0),
    )
    .option(
      '--json',
      'print one JSON line at the end: {"out","step","updates","seconds","sps","episodeReturn","success","eval","test"}, plus "distributed" with --broker',
    )
    .action(async (flags: TrainFlags) => {
      if (flags.seeds && flags.broker !== undefined)
        throw new UsageError('--seeds cannot be combined with --broker (one learner trains one run)');
      if (flags.seeds) await trainSeeds(flags, train);
      else await train(flags);
    });
}

/** The `--json` line: where the run is, how far it got, its last figures, and the test evaluation. */
interface TrainSummary {
  out: string;
  step: number;
  updates: number;
  /** Wall-clock seconds of `learn()` (with its checkpoints and val evaluations; not the test evaluation). */
  seconds: number;
  /** Env steps per second of this invocation. */
  sps: number;
  /** Rolling means of the training episodes at the last update. */
  episodeReturn: number | null;
  success: number | null;
  /** The last val evaluation. */
  eval: { success: number; spl: number; softSpl: number; return: number } | null;
  /** The final policy on the test split; null when skipped (--test-episodes 0, or Ctrl-C). */
  test: TestResult | null;
  /** With --broker: the learner's figures over this invocation's updates. */
  distributed?: LearnerFigures;
}

/** A learner's figures over this invocation. */
interface LearnerFigures {
  /** Live actors, mean over the updates. */
  actors: number;
  /** Versions between a chunk's weights and the learner's: mean over all chunks used, and the largest. */
  policyLag: number;
  policyLagMax: number;
  /** Bytes through Redis (chunks read, weights published) per second of the run. */
  brokerBytesPerSecond: number;
  /** Bytes per env step trained on. */
  bytesPerStep: number;
  /** Fraction of the learner's time spent waiting for chunks. */
  learnerIdle: number;
  droppedChunks: number;
  rejectedChunks: number;
}

/** What `robonav eval --split test --json` prints for the run, with how the actions were chosen. */
type TestResult = { actions: ActionChoice } & EvaluationSummary;

export async function train(flags: TrainFlags): Promise<void> {
  const plan = await resolveRun(flags);
  const summary = await CleanupStack.run(async (cleanup) => {
    const built = await setUp(plan, cleanup);
    return runTraining(plan, built, cleanup);
  });
  if (plan.json) printJsonLine(summary);
  else
    process.stderr.write(
      `robonav train: ${summary.step} steps in ${summary.seconds.toFixed(0)} s (${summary.sps.toFixed(0)} SPS); policy in ${plan.out} (robonav eval --policy ${plan.out} --env ${plan.run.env})\n`,
    );
}

async function runTraining(plan: RunPlan, built: BuiltRun, cleanup: CleanupStack): Promise<TrainSummary> {
  const { agent, metrics, viewer, evalEnv } = built;
  const { run, out } = plan;
  const meta = { env: run.env, envOptions: run.envOptions ?? {} };
  if (!plan.json)
    process.stderr.write(
      `robonav train: ${run.agent} on ${run.env}, ${plan.numEnvs} envs, ${run.steps} steps, backend ${built.backend} → ${out}\n`,
    );
  const learner = plan.distributed;
  if (learner && !plan.json)
    process.stderr.write(
      `robonav train: learning from actors over ${learner.run.broker} (${learner.run.sync ? 'sync, plain PPO' : `async, V-trace, max policy lag ${learner.run.maxPolicyLag}`}); start them with robonav actor --broker URL --run ${learner.run.run}\n`,
    );

  const validation =
    plan.validation && evalEnv
      ? new EvalCallback(agent, evalEnv, {
          envId: run.env,
          every: plan.validation.every,
          episodes: plan.validation.episodes,
          deterministic: plan.deterministic,
          log: metrics,
          ...(plan.validation.record
            ? { record: { dir: path.join(out, 'recordings'), episodes: plan.validation.record, source: out } }
            : {}),
        })
      : null;
  const stop = new StopOnSignal({ notice: 'robonav train: stopping after this update and saving a checkpoint (Ctrl-C again to abort)' });
  cleanup.defer(() => stop.dispose());
  // Order matters at each update: log, show, checkpoint, evaluate; the Ctrl-C check comes last so
  // that a signal arriving during any of them stops training at this update.
  const callbacks: TrainingCallback[] = [
    metrics,
    new ProgressBarCallback(),
    ...(viewer ? [new ViewerCallback(viewer)] : []),
    new CheckpointCallback(agent, out, { every: plan.checkpointEvery, meta }),
    ...(validation ? [validation] : []),
    stop,
  ];

  const started = performance.now();
  const startStep = agent.globalStep;
  const last = await agent.learn(run.steps, { callbacks });
  const seconds = (performance.now() - started) / 1000;

  const lastEval = validation?.last?.summary ?? null;
  const testing = plan.testEpisodes > 0 && evalEnv !== null;
  if (testing && stop.stopped && !plan.json)
    process.stderr.write(
      `robonav train: interrupted, so no test evaluation (robonav eval --policy ${out} --env ${run.env} --split test --episodes ${plan.testEpisodes})\n`,
    );
  return {
    out,
    step: agent.globalStep,
    updates: agent.update,
    seconds,
    sps: (agent.globalStep - startStep) / seconds,
    episodeReturn: numberOrNull(last?.episodeReturn),
    success: numberOrNull(last?.success),
    eval: lastEval && { success: lastEval.success, spl: lastEval.spl, softSpl: lastEval.softSpl, return: lastEval.return },
    test: testing && !stop.stopped ? await testEvaluation(plan, agent, evalEnv) : null,
    ...(built.learner ? { distributed: learnerFigures(built.learner.source.totals, seconds, agent.globalStep - startStep) } : {}),
  };
}

/**
 * The final policy on the first N fixed test episodes, seeded as `robonav eval` seeds them (seed 0),
 * so `robonav eval --policy OUT --split test --episodes N` prints the same figures.
 */
async function testEvaluation(plan: RunPlan, agent: OnPolicyAgent, env: Env): Promise<TestResult> {
  const actions = actionChoice(plan.deterministic);
  if (!plan.json) process.stderr.write(`robonav train: evaluating the policy on ${plan.testEpisodes} test episodes…\n`);
  const { episodes } = fixedEpisodes(plan.run.env, env, { split: 'test', count: plan.testEpisodes });
  const summary = await evaluateAgent(agent, env, episodes, { deterministic: plan.deterministic, seed: 0 });
  if (!plan.json) {
    const figure = (name: string, key: 'success' | 'spl'): string =>
      `${name} ${summary[key].toFixed(2)} [${summary.ci95[key].map((v) => v.toFixed(2)).join(', ')}]`;
    process.stderr.write(
      `robonav train: test (${summary.episodes} episodes, ${actions} actions): ${figure('success', 'success')}, ${figure('SPL', 'spl')}\n`,
    );
  }
  return { actions, ...summary };
}

function learnerFigures(totals: LearnerTotals, seconds: number, steps: number): LearnerFigures {
  const rollouts = Math.max(1, totals.rollouts);
  return {
    actors: totals.actors / rollouts,
    policyLag: totals.chunks > 0 ? totals.lagSum / totals.chunks : 0,
    policyLagMax: totals.lagMax,
    brokerBytesPerSecond: seconds > 0 ? totals.bytes / seconds : 0,
    bytesPerStep: steps > 0 ? totals.bytes / steps : 0,
    learnerIdle: seconds > 0 ? Math.min(1, totals.waitSeconds / seconds) : 0,
    droppedChunks: totals.droppedChunks,
    rejectedChunks: totals.rejectedChunks,
  };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}
