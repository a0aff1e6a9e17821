/**
 * `robonav train [--env PointNav-Easy-v0] [--agent ppo|a2c|reinforce] [--steps N] [--num-envs N]
 *   [--env-options JSON] [--seed S] [--out runs/NAME] [--config cfg.json] [--resume runs/NAME] [--workers N] [--view [port]] [--json]
 *   [--encoder pretrain/NAME [--freeze-encoder]] [--core pretrain/NAME]`
 *
 * Trains an agent on a registered env and writes the run directory:
 *   run.json            env, env options, agent, validated config, budget, pretrained starting point (what --resume needs)
 *   metrics.jsonl       one line per update (losses, SPS, episode return, success), plus eval lines
 *   checkpoint.json + checkpoints/NNNNNN/   the latest checkpoint (policy, optimiser, RNG, step)
 * With no flags it trains PPO on PointNav-Easy-v0 for a short budget (the README quick start).
 * --encoder / --core start a fresh run's policy from `robonav pretrain` outputs (shapes checked).
 * Bad flags or config: one line naming the problem, exit 2, nothing written.
 */
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { writeFileAtomicSync } from '../core/atomicWrite.js';
import path from 'node:path';
import type { Command } from 'commander';
import { A2C, DEFAULT_A2C, type A2CConfig } from '../../agents/a2c.js';
import { DEFAULT_PPO, PPO, type PPOConfig } from '../../agents/ppo.js';
import { DEFAULT_REINFORCE, Reinforce, type ReinforceConfig } from '../../agents/reinforce.js';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { generateEpisodes, isEpisodeSampler } from '../../envs/episodes.js';
import { envSpec, make } from '../../envs/registry.js';
import type { VectorEnv } from '../core/Env.js';
import { FileFormatError, UsageError } from '../core/errors.js';
import { SyncVectorEnv } from '../../envs/vector/SyncVectorEnv.js';
import { WorkerVectorEnv } from '../../envs/vector/WorkerVectorEnv.js';
import { initBackend } from '../nn/backend.js';
import { applyPretrainedCore, applyPretrainedEncoder, readPretrained, type PretrainedModule } from '../pretrain/pretrained.js';
import { LiveViewer } from '../server/LiveViewer.js';
import { relayedEnv } from '../stream/relayWorker.js';
import { loadCheckpoint, saveCheckpoint } from '../runs/checkpoint.js';
import { policyInfo } from '../../agents/common/savedPolicy.js';
import { evaluate } from '../eval/evaluate.js';
import { attachRecorder } from '../runs/Recording.js';
import { MetricsWriter } from '../runs/MetricsWriter.js';
import { seedListOption, trainSeeds } from './multiSeed.js';
import { ProgressBarCallback, type UpdateRecord } from '../../agents/common/callbacks.js';
import type { NetworkInit, OnPolicyAgent } from '../../agents/common/OnPolicyAgent.js';
import { AGENTS, parseAgentConfig, type AgentName } from '../../agents/registry.js';
import { checkEnvOptions, choiceOption, envOptionsOption, integerOption, printJsonLine } from './options.js';

/** The quick-start defaults: about a minute or two of PPO on two cores. */
export const TRAIN_DEFAULTS = {
  env: 'PointNav-Easy-v0',
  agent: 'ppo' as AgentName,
  steps: 32_768,
  seed: 1,
  evalEvery: 10,
  evalEpisodes: 20,
  checkpointEvery: 10,
};

const RUN_VERSION = 1;

/** Envs per agent when neither the config nor --num-envs says (the agents' DEFAULT_X). */
const DEFAULT_NUM_ENVS: Record<AgentName, number> = {
  ppo: DEFAULT_PPO.numEnvs,
  a2c: DEFAULT_A2C.numEnvs,
  reinforce: DEFAULT_REINFORCE.numEnvs,
};

interface TrainFlags {
  env?: string;
  envOptions?: Record<string, unknown>;
  agent?: AgentName;
  steps?: number;
  numEnvs?: number;
  seed?: number;
  seeds?: number[];
  out?: string;
  config?: string;
  resume?: string;
  workers: number;
  evalEvery: number;
  evalEpisodes: number;
  evalStochastic?: boolean;
  checkpointEvery: number;
  view?: boolean | string;
  record?: number;
  json?: boolean;
  encoder?: string;
  freezeEncoder?: boolean;
  core?: string;
}

/** What a run's policy started from, besides its seeded initialisation. */
interface PretrainedStart {
  /** `robonav pretrain` folder the encoder branch was copied from, or null. */
  encoder: string | null;
  freezeEncoder: boolean;
  /**
   * Indices into `network.encoder.layers` of the frozen layers: a resumed run freezes the same
   * ones (the optimiser state holds slots for the trainable variables only), without needing the
   * pretrained folder any more. Indices, not names: tfjs numbers auto-named layers per process.
   */
  frozenLayers: number[];
  /** `robonav pretrain rnn` folder the recurrent core was copied from, or null. */
  core: string | null;
  /**
   * With --core: whether the core's input weights were copied too (the policy reads exactly the
   * features the core was pretrained over) or kept fresh (only recurrent weights and biases copied).
   */
  coreInputWeights?: boolean;
}

interface RunFile {
  version: number;
  env: string;
  /** Options of `make(env, options)` (--env-options); absent in runs written before the flag. */
  envOptions?: Record<string, unknown>;
  agent: AgentName;
  config: Record<string, unknown>;
  steps: number;
  /** Absent for runs that started from a seeded initialisation only. */
  pretrained?: PretrainedStart;
}

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
    .option('--workers <n>', 'worker threads stepping the envs (0 = in the main thread)', integerOption(0), 0)
    .option(
      '--eval-every <updates>',
      'evaluate on val episodes every N updates and at the end (0 = never)',
      integerOption(0),
      TRAIN_DEFAULTS.evalEvery,
    )
    .option('--eval-episodes <n>', 'val episodes per evaluation', integerOption(1), TRAIN_DEFAULTS.evalEpisodes)
    .option('--eval-stochastic', 'the evaluations sample actions (seeded) instead of taking the most likely one, as Habitat evaluates')
    .option('--checkpoint-every <updates>', 'checkpoint every N updates (and at the end)', integerOption(1), TRAIN_DEFAULTS.checkpointEvery)
    .option('--view [port]', 'stream env 0 and the training curves to the browser viewer (default port 8080)')
    .option(
      '--record <n>',
      'write the first N episodes of each evaluation to <out>/recordings/eval-<step>.rec (robonav view <out>)',
      integerOption(1),
    )
    .option('--encoder <dir>', 'start the image encoder from a `robonav pretrain` output (fresh runs only)')
    .option('--freeze-encoder', 'keep the --encoder weights fixed during training')
    .option(
      '--core <dir>',
      'start the recurrent core from a `robonav pretrain rnn` output: recurrent weights and biases, plus input weights when the policy reads the same features (one image observation and --encoder of the same run); needs network.core gru|lstm in --config; fresh runs only',
    )
    .option('--json', 'print one JSON line at the end: {"out","step","updates","seconds","sps","episodeReturn","success","eval"}')
    .action(async (flags: TrainFlags) => {
      if (flags.seeds) await trainSeeds(flags, train);
      else await train(flags);
    });
}

async function train(flags: TrainFlags): Promise<void> {
  // ── resolve and validate everything before writing anything ──
  let run: RunFile;
  let out: string;
  let resume: Awaited<ReturnType<typeof loadCheckpoint>> | null = null;
  if (flags.resume) {
    if (flags.config) throw new UsageError('--config cannot be combined with --resume (the run keeps its config)');
    if (flags.encoder !== undefined || flags.core !== undefined || flags.freezeEncoder) {
      throw new UsageError(
        '--encoder, --freeze-encoder and --core start a fresh run; they cannot be combined with --resume (the run keeps its weights)',
      );
    }
    out = flags.resume;
    const runFile = path.join(out, 'run.json');
    if (!existsSync(runFile)) throw new UsageError(`--resume ${out}: no run.json (not a run directory)`);
    run = JSON.parse(readFileSync(runFile, 'utf8')) as RunFile;
    for (const [flag, value, saved] of [
      ['--env', flags.env, run.env],
      ['--agent', flags.agent, run.agent],
    ] as const) {
      if (value !== undefined && value !== saved) throw new UsageError(`${flag} ${value} does not match the resumed run (${saved})`);
    }
    if (flags.numEnvs !== undefined || flags.seed !== undefined) throw new UsageError('--num-envs and --seed cannot change on --resume');
    if (flags.envOptions !== undefined && JSON.stringify(flags.envOptions) !== JSON.stringify(run.envOptions ?? {})) {
      throw new UsageError(
        `--env-options ${JSON.stringify(flags.envOptions)} does not match the resumed run (${JSON.stringify(run.envOptions ?? {})})`,
      );
    }
    resume = await loadCheckpoint(out);
    if (flags.steps !== undefined) run.steps = flags.steps;
  } else {
    if (flags.freezeEncoder && flags.encoder === undefined) throw new UsageError('--freeze-encoder needs --encoder DIR');
    const agent = flags.agent ?? TRAIN_DEFAULTS.agent;
    const env = flags.env ?? TRAIN_DEFAULTS.env;
    envSpec(env); // unknown id → UsageError listing the known ones
    const envOptions = flags.envOptions ?? {};
    checkEnvOptions(env, envOptions);
    let config: Record<string, unknown> = {};
    if (flags.config) {
      let text: string;
      try {
        text = readFileSync(flags.config, 'utf8');
      } catch (err) {
        throw new UsageError(`--config ${flags.config}: cannot read (${(err as Error).message})`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new UsageError(`--config ${flags.config}: not valid JSON (${(err as Error).message})`);
      }
      config = parseAgentConfig(agent, json, `--config ${flags.config}`);
    }
    if (flags.numEnvs !== undefined) config.numEnvs = flags.numEnvs;
    config.seed = flags.seed ?? (config.seed as number | undefined) ?? TRAIN_DEFAULTS.seed;
    config = parseAgentConfig(agent, config, 'config');
    out = flags.out ?? freeRunDir(`runs/${agent}-${env}-seed${config.seed as number}`);
    if (existsSync(path.join(out, 'run.json')))
      throw new UsageError(`--out ${out} already holds a run; pass --resume ${out} or choose another --out`);
    run = { version: RUN_VERSION, env, envOptions, agent, config, steps: flags.steps ?? TRAIN_DEFAULTS.steps };
    if (flags.encoder !== undefined || flags.core !== undefined) {
      run.pretrained = {
        encoder: flags.encoder ?? null,
        freezeEncoder: flags.freezeEncoder === true,
        frozenLayers: [],
        core: flags.core ?? null,
      };
    }
  }

  const numEnvs = (run.config.numEnvs as number | undefined) ?? DEFAULT_NUM_ENVS[run.agent];
  if (flags.workers > numEnvs) throw new UsageError(`--workers ${flags.workers} exceeds the ${numEnvs} envs`);
  let viewPort: number | null = null;
  if (flags.view !== undefined) {
    viewPort = flags.view === true ? 8080 : Number(flags.view);
    if (!Number.isInteger(viewPort) || viewPort < 0 || viewPort > 65535)
      throw new UsageError(`--view: expected a port number, got "${String(flags.view)}"`);
  }

  // ── build: backend, pretrained weights, envs, agent ──
  const backend = await initBackend();
  const pretrained: { encoder: PretrainedModule | null; core: PretrainedModule | null } = { encoder: null, core: null };
  try {
    if (!resume && run.pretrained?.encoder) pretrained.encoder = await readPretrainedFlag('--encoder', run.pretrained.encoder, 'encoder');
    if (!resume && run.pretrained?.core) pretrained.core = await readPretrainedFlag('--core', run.pretrained.core, 'core');
  } catch (err) {
    pretrained.encoder?.dispose();
    throw err;
  }
  const viewer = viewPort === null ? null : await LiveViewer.start({ port: viewPort, source: out, task: run.env });
  if (viewer) process.stderr.write(`robonav train: watch at ${viewer.url}\n`);
  const envOptions = run.envOptions ?? {};
  let envs: VectorEnv;
  try {
    if (flags.workers > 0) {
      // With --view, env 0's worker streams its episodes back (only while a browser watches).
      const venv = await WorkerVectorEnv.create(run.env, {
        numEnvs,
        numWorkers: flags.workers,
        options: envOptions,
        ...(viewer ? { wrapper: relayedEnv(0, { task: run.env }) } : {}),
      });
      envs = viewer ? viewer.observeWorkers(venv) : venv;
    } else {
      envs = new SyncVectorEnv((i) => (i === 0 && viewer ? viewer.observe(make(run.env, envOptions)) : make(run.env, envOptions)), numEnvs);
    }
  } catch (err) {
    // E.g. an env the viewer cannot draw: its server must not keep the process alive.
    await viewer?.close();
    throw err;
  }
  let agent: OnPolicyAgent;
  try {
    agent = createAgent(run.agent, envs, run.config, networkInit(run, pretrained));
  } catch (err) {
    // A mismatched pretrained module: nothing has been written; release the envs and the viewer.
    await envs.close();
    await viewer?.close();
    throw err;
  } finally {
    pretrained.encoder?.dispose();
    pretrained.core?.dispose();
  }
  if (resume) agent.setState(resume.state);

  mkdirSync(out, { recursive: true });
  writeJsonAtomic(path.join(out, 'run.json'), run);
  const metrics = new MetricsWriter(out);
  const meta = { env: run.env, envOptions };
  if (!flags.json)
    process.stderr.write(
      `robonav train: ${run.agent} on ${run.env}, ${numEnvs} envs, ${run.steps} steps, backend ${backend.backend} → ${out}\n`,
    );

  // ── periodic evaluation on the val split, with the current weights ──
  const evalEnv = flags.evalEvery > 0 ? make(run.env, envOptions) : null;
  const canEval = evalEnv !== null && isEpisodeSampler(evalEnv);
  const evalEpisodes = canEval ? generateEpisodes(evalEnv, 'val', flags.evalEpisodes, 0) : [];
  let lastEval: Record<string, number> | null = null;
  const runEval = async (step: number): Promise<void> => {
    if (!canEval) return;
    const policy = TrainedPolicy.fromModel('training', agent.network.toLayersModel(), policyInfo(agent, meta), {
      ownsModel: false,
      stochastic: flags.evalStochastic === true,
    });
    const recorder = flags.record
      ? attachRecorder(evalEnv!, { source: `${out} · val · step ${step}`, task: run.env, maxEpisodes: flags.record })
      : null;
    const { summary } = await evaluate(recorder?.env ?? evalEnv!, policy, evalEpisodes, { seed: 0 });
    if (recorder) {
      mkdirSync(path.join(out, 'recordings'), { recursive: true });
      recorder.writer.save(path.join(out, 'recordings', `eval-${step}.rec`));
    }
    policy.dispose();
    lastEval = { success: summary.success, spl: summary.spl, softSpl: summary.softSpl, return: summary.return };
    metrics.write({
      type: 'eval',
      step,
      split: 'val',
      episodes: summary.episodes,
      actions: flags.evalStochastic ? 'sampled' : 'most likely',
      ...lastEval,
    });
  };

  // Ctrl-C: finish the current update, checkpoint, exit; a second Ctrl-C aborts at once.
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    process.stderr.write('\nrobonav train: stopping after this update and saving a checkpoint (Ctrl-C again to abort)\n');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);

  const start = performance.now();
  const startStep = agent.globalStep;
  let last: UpdateRecord | null = null;
  try {
    last = await agent.learn(run.steps, {
      callbacks: [
        metrics,
        new ProgressBarCallback(),
        {
          onUpdate: async (record) => {
            if (viewer) {
              const values: Record<string, number> = {};
              for (const key of ['episodeReturn', 'success', 'episodeLength', 'sps'] as const)
                if (typeof record[key] === 'number') values[key] = record[key] as number;
              viewer.publishMetrics([{ step: record.step, values }]);
              // The rollout never yields to the event loop: let viewers connect and subscribe here.
              await viewer.pump();
            }
            if (record.update % flags.checkpointEvery === 0) await saveCheckpoint(out, agent, meta);
            if (flags.evalEvery > 0 && record.update % flags.evalEvery === 0) await runEval(record.step);
            // In-process rollouts await only settled promises, so signals would wait for the next file
            // write: one turn of the event loop per update lets a Ctrl-C land here.
            await new Promise((resolve) => setImmediate(resolve));
            return interrupted ? 'stop' : undefined;
          },
        },
      ],
    });
    await saveCheckpoint(out, agent, meta);
    if (flags.evalEvery > 0 && agent.update % flags.evalEvery !== 0) await runEval(agent.globalStep);
  } finally {
    process.removeListener('SIGINT', onSigint);
    evalEnv?.close();
    await agent.close();
    await viewer?.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const summary = {
    out,
    step: agent.globalStep,
    updates: agent.update,
    seconds,
    sps: (agent.globalStep - startStep) / seconds,
    episodeReturn: last?.episodeReturn ?? null,
    success: last?.success ?? null,
    eval: lastEval,
  };
  if (flags.json) printJsonLine(summary);
  else
    process.stderr.write(
      `robonav train: ${agent.globalStep} steps in ${seconds.toFixed(0)} s (${summary.sps.toFixed(0)} SPS); policy in ${out} (robonav eval --policy ${out} --env ${run.env})\n`,
    );
}

function createAgent(name: AgentName, envs: VectorEnv, config: Record<string, unknown>, init: NetworkInit): OnPolicyAgent {
  // `config` passed the agent's zod schema (trainConfig.ts), so the casts hold.
  if (name === 'ppo') return new PPO(envs, config as Partial<PPOConfig>, init);
  if (name === 'a2c') return new A2C(envs, config as Partial<A2CConfig>, init);
  return new Reinforce(envs, config as Partial<ReinforceConfig>, init);
}

/** `readPretrained`, with a folder that is not a pretraining output reported as a bad flag (exit 2). */
async function readPretrainedFlag(flag: string, dir: string, part: 'encoder' | 'core'): Promise<PretrainedModule> {
  try {
    return await readPretrained(dir, part);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${flag} ${err.message}`);
    if (err instanceof FileFormatError) throw new UsageError(`${flag} ${dir}: ${err.message}`);
    throw err;
  }
}

/**
 * What runs on the agent's new network before its optimiser exists. A fresh run copies the
 * pretrained modules in (shape-checked; a mismatch throws before anything is written) and records
 * which encoder layers it froze; a resumed run freezes those same layers again, and its checkpoint
 * then restores every weight.
 */
function networkInit(run: RunFile, pretrained: { encoder: PretrainedModule | null; core: PretrainedModule | null }): NetworkInit {
  return (network) => {
    const start = run.pretrained;
    if (!start) return;
    if (pretrained.encoder) {
      const copied = withFlag('--encoder', () =>
        applyPretrainedEncoder(pretrained.encoder!, network.encoder, { freeze: start.freezeEncoder }),
      );
      if (start.freezeEncoder) start.frozenLayers = copied.map((name) => network.encoder.layers.findIndex((l) => l.name === name));
    } else {
      for (const i of start.frozenLayers) network.encoder.layers[i]!.trainable = false;
    }
    if (pretrained.core) {
      const { inputWeights, reason } = withFlag('--core', () => applyPretrainedCore(pretrained.core!, network));
      start.coreInputWeights = inputWeights;
      if (reason)
        process.stderr.write(
          `robonav train: --core ${start.core}: copied the recurrent weights and biases; the input weights start fresh: ${reason}\n`,
        );
    }
  };
}

/** Run `f`, prefixing a `UsageError`'s message (which starts with the folder) with the flag that named it. */
function withFlag<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${flag} ${err.message}`);
    throw err;
  }
}

/** `base`, or `base-2`, `base-3`, … whichever does not hold a run yet. */
function freeRunDir(base: string): string {
  if (!existsSync(path.join(base, 'run.json'))) return base;
  for (let i = 2; ; i++) if (!existsSync(path.join(`${base}-${i}`, 'run.json'))) return `${base}-${i}`;
}

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomicSync(file, JSON.stringify(value, null, 1));
}
