/**
 * Every check of `robonav train`'s flags, config and run directory, before anything is built:
 * the flags become a `RunPlan`, or a one-line `UsageError` naming the flag (exit 2, nothing
 * written). It reads files (--config, run.json, the checkpoint, pretraining manifests) and makes
 * the env once to check its options; it writes nothing, starts nothing and runs no network.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_A2C } from '../../../agents/a2c.js';
import { PRIVILEGED_KINDS } from '../../../agents/common/auxiliary.js';
import type { AgentState } from '../../../agents/common/OnPolicyAgent.js';
import { DEFAULT_PPO } from '../../../agents/ppo.js';
import { DEFAULT_REINFORCE } from '../../../agents/reinforce.js';
import { type AgentName, parseAgentConfig } from '../../../agents/registry.js';
import { isEpisodeSampler } from '../../../envs/episodes.js';
import { envSpec, make } from '../../../envs/registry.js';
import { FileFormatError, UsageError } from '../../core/errors.js';
import { loadCheckpoint } from '../../runs/checkpoint.js';
import { parseBrokerUrl } from '../../distributed/Broker.js';
import { RUN_NAME } from '../../distributed/trainingRun.js';
import {
  type DistributedRun,
  hasRunFile,
  type PretrainedStart,
  type RunFile,
  RunFileSchema,
  RUN_FILE_VERSION,
  readRunFile,
} from '../../runs/runFile.js';
import { checkEnvOptions } from '../options.js';
import { checkPretrainedFolder } from './pretrainedStart.js';

/**
 * The quick start (`robonav train` with no flags): 40 PPO updates of 8 envs × 128 steps, about two
 * minutes on two cores, after which the policy reaches the goal in about half the test episodes.
 */
export const TRAIN_DEFAULTS = {
  env: 'PointNav-Easy-v0',
  agent: 'ppo' as AgentName,
  steps: 40_960,
  seed: 1,
  workers: 0,
  evalEvery: 10,
  evalEpisodes: 20,
  checkpointEvery: 10,
  testEpisodes: 100,
  viewPort: 8080,
};

/** Envs per agent when neither the config nor --num-envs says (the agents' DEFAULT_X). */
const DEFAULT_NUM_ENVS: Record<AgentName, number> = {
  ppo: DEFAULT_PPO.numEnvs,
  a2c: DEFAULT_A2C.numEnvs,
  reinforce: DEFAULT_REINFORCE.numEnvs,
};

/** The flags of `robonav train` as commander parses them (numbers already checked to be integers in range). */
export interface TrainFlags {
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
  workers?: number;
  evalEvery?: number;
  evalEpisodes?: number;
  checkpointEvery?: number;
  testEpisodes?: number;
  deterministic?: boolean;
  view?: boolean | string;
  record?: number;
  json?: boolean;
  encoder?: string;
  freezeEncoder?: boolean;
  core?: string;
  broker?: string;
  sync?: boolean;
  maxPolicyLag?: number;
}

/** A learner fed by actors over Redis (`--broker`). */
export interface DistributedPlan {
  /** The broker URL as given (with its password: never written or printed). */
  url: string;
  /** What run.json records. */
  run: DistributedRun;
}

/** Where the agent starts: a seeded initialisation (plus pretrained modules), or a checkpoint. */
export type RunStart = { kind: 'fresh' } | { kind: 'resume'; state: AgentState };

/** Everything `robonav train` will do, decided before anything is built or written. */
export interface RunPlan {
  start: RunStart;
  /** The run directory. */
  out: string;
  /** What run.json will say (a fresh run's `pretrained.frozenLayers` are filled in when the network is built). */
  run: RunFile;
  numEnvs: number;
  /** Worker threads stepping the envs (0: the main thread). */
  workers: number;
  /** Port of the live viewer (0: any free port), or null without --view. */
  viewPort: number | null;
  /** Checkpoint every N updates (and at the end). */
  checkpointEvery: number;
  /** Evaluation on the val split every N updates and at the end; null: none. */
  validation: { every: number; episodes: number; record: number | null } | null;
  /** Episodes of the final evaluation on the test split; 0: none. */
  testEpisodes: number;
  /** Evaluations take the most likely action instead of sampling one. */
  deterministic: boolean;
  /** Print one JSON line at the end instead of the sentences on standard error. */
  json: boolean;
  /** Train from actors' chunks over Redis; null: an in-process run. */
  distributed: DistributedPlan | null;
}

export async function resolveRun(flags: TrainFlags): Promise<RunPlan> {
  checkDistributedFlags(flags);
  const resolved = flags.resume === undefined ? freshRun(flags) : await resumedRun(flags, flags.resume);
  const { start, out } = resolved;
  const distributed = distributedPlan(flags, resolved.run, out);
  const { distributed: _saved, ...rest } = resolved.run;
  const run = (distributed ? { ...rest, distributed: distributed.run } : rest) as RunFile;
  const numEnvs = run.config.numEnvs ?? DEFAULT_NUM_ENVS[run.agent];
  const workers = flags.workers ?? TRAIN_DEFAULTS.workers;
  if (workers > numEnvs) throw new UsageError(`--workers ${workers} exceeds the ${numEnvs} envs`);
  const evalEvery = flags.evalEvery ?? TRAIN_DEFAULTS.evalEvery;
  if (flags.record !== undefined && evalEvery === 0) throw new UsageError('--record needs evaluations to record (--eval-every above 0)');
  // Evaluations run fixed episodes: an env that cannot draw them trains without.
  const episodic = drawsEpisodes(run);
  return {
    start,
    out,
    run,
    numEnvs,
    workers,
    viewPort: viewPort(flags.view),
    checkpointEvery: flags.checkpointEvery ?? TRAIN_DEFAULTS.checkpointEvery,
    validation:
      episodic && evalEvery > 0
        ? { every: evalEvery, episodes: flags.evalEpisodes ?? TRAIN_DEFAULTS.evalEpisodes, record: flags.record ?? null }
        : null,
    testEpisodes: episodic ? (flags.testEpisodes ?? TRAIN_DEFAULTS.testEpisodes) : 0,
    deterministic: flags.deterministic === true,
    json: flags.json === true,
    distributed,
  };
}

/** Default of --max-policy-lag: chunks up to this many versions old are corrected by V-trace, older ones dropped. */
export const DEFAULT_MAX_POLICY_LAG = 4;

/** Flags that only a learner takes, or that a learner cannot take. */
function checkDistributedFlags(flags: TrainFlags): void {
  if (flags.broker === undefined) {
    if (flags.sync) throw new UsageError('--sync needs --broker URL (it is a mode of the distributed learner)');
    if (flags.maxPolicyLag !== undefined)
      throw new UsageError('--max-policy-lag needs --broker URL (it is a setting of the distributed learner)');
    return;
  }
  parseBrokerUrl(flags.broker);
  if (flags.sync && flags.maxPolicyLag !== undefined)
    throw new UsageError('--max-policy-lag cannot be combined with --sync (a sync learner takes only chunks of its current weights)');
  if (flags.workers !== undefined)
    throw new UsageError('--workers: a learner fed by --broker steps no envs (give --workers to robonav actor)');
  if (flags.out === undefined && flags.resume === undefined)
    throw new UsageError('--broker needs --out runs/NAME (NAME is the run actors join with robonav actor --run NAME)');
}

/** The learner's plan: its run name is the run directory's name. */
function distributedPlan(flags: TrainFlags, run: RunFile, out: string): DistributedPlan | null {
  if (flags.broker === undefined) return null;
  if (run.agent !== 'ppo') throw new UsageError(`--broker trains PPO only (APPO / V-trace); --agent ${run.agent} trains in-process`);
  // Trajectory chunks carry what the policy saw, not the env's infos that the privileged targets come from.
  const privileged = run.config.auxiliary?.find((a) => PRIVILEGED_KINDS.includes(a.kind));
  if (privileged)
    throw new UsageError(
      `--broker: the ${privileged.kind} auxiliary loss needs in-process rollouts (trajectory chunks do not carry its target)`,
    );
  const name = path.basename(path.resolve(out));
  if (!RUN_NAME.test(name))
    throw new UsageError(`--out ${out}: the run name "${name}" must be letters, digits, '.', '_' or '-' (it names the run's Redis keys)`);
  const saved = run.distributed;
  const sync = flags.sync ?? saved?.sync ?? false;
  if (saved && flags.sync !== undefined && flags.sync !== saved.sync)
    throw new UsageError(`--sync does not match the resumed run (${saved.sync ? 'sync' : 'async'})`);
  const { url, redacted } = parseBrokerUrl(flags.broker);
  return {
    url,
    run: {
      broker: redacted,
      run: name,
      sync,
      maxPolicyLag: sync ? 0 : (flags.maxPolicyLag ?? saved?.maxPolicyLag ?? DEFAULT_MAX_POLICY_LAG),
    },
  };
}

/** A new run: env, agent config and pretrained folders checked, the run directory free. */
function freshRun(flags: TrainFlags): { start: RunStart; out: string; run: RunFile } {
  if (flags.freezeEncoder && flags.encoder === undefined) throw new UsageError('--freeze-encoder needs --encoder DIR');
  const agent = flags.agent ?? TRAIN_DEFAULTS.agent;
  const env = flags.env ?? TRAIN_DEFAULTS.env;
  envSpec(env); // an unknown id: a UsageError listing the known ones
  const envOptions = flags.envOptions ?? {};
  checkEnvOptions(env, envOptions);
  const config = agentConfig(agent, flags);
  if (flags.encoder !== undefined) checkPretrainedFolder('--encoder', flags.encoder);
  if (flags.core !== undefined) checkPretrainedFolder('--core', flags.core);
  const pretrained: PretrainedStart | undefined =
    flags.encoder !== undefined || flags.core !== undefined
      ? { encoder: flags.encoder ?? null, freezeEncoder: flags.freezeEncoder === true, frozenLayers: [], core: flags.core ?? null }
      : undefined;
  // Parsed by the schema run.json is read back with: what is written is what --resume accepts.
  const run = RunFileSchema.parse({
    version: RUN_FILE_VERSION,
    env,
    envOptions,
    agent,
    config,
    steps: flags.steps ?? TRAIN_DEFAULTS.steps,
    ...(pretrained ? { pretrained } : {}),
  });
  const out = flags.out ?? freeRunDir(`runs/${agent}-${env}-seed${run.config.seed}`);
  if (hasRunFile(out)) throw new UsageError(`--out ${out} already holds a run; pass --resume ${out} or choose another --out`);
  return { start: { kind: 'fresh' }, out, run };
}

/** The --config file (if any) with --num-envs and --seed over it, checked against the agent's schema. */
function agentConfig(agent: AgentName, flags: TrainFlags): Record<string, unknown> {
  const config = flags.config === undefined ? {} : parseAgentConfig(agent, readConfigFile(flags.config), `--config ${flags.config}`);
  if (flags.numEnvs !== undefined) config.numEnvs = flags.numEnvs;
  config.seed = flags.seed ?? config.seed ?? TRAIN_DEFAULTS.seed;
  return parseAgentConfig(agent, config, 'config');
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${file}: cannot read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config ${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** The run in `dir`, to continue from its latest checkpoint: flags that would change it are refused. */
async function resumedRun(flags: TrainFlags, dir: string): Promise<{ start: RunStart; out: string; run: RunFile }> {
  if (flags.config !== undefined) throw new UsageError('--config cannot be combined with --resume (the run keeps its config)');
  if (flags.encoder !== undefined || flags.core !== undefined || flags.freezeEncoder) {
    throw new UsageError(
      '--encoder, --freeze-encoder and --core start a fresh run; they cannot be combined with --resume (the run keeps its weights)',
    );
  }
  if (flags.numEnvs !== undefined || flags.seed !== undefined) throw new UsageError('--num-envs and --seed cannot change on --resume');
  const run = await fromResumeDir(dir, () => readRunFile(dir));
  for (const [flag, value, saved] of [
    ['--env', flags.env, run.env],
    ['--agent', flags.agent, run.agent],
  ] as const) {
    if (value !== undefined && value !== saved) throw new UsageError(`${flag} ${value} does not match the resumed run (${saved})`);
  }
  const saved = JSON.stringify(run.envOptions ?? {});
  if (flags.envOptions !== undefined && JSON.stringify(flags.envOptions) !== saved)
    throw new UsageError(`--env-options ${JSON.stringify(flags.envOptions)} does not match the resumed run (${saved})`);
  const { state } = await fromResumeDir(dir, () => loadCheckpoint(dir));
  return { start: { kind: 'resume', state }, out: dir, run: { ...run, steps: flags.steps ?? run.steps } };
}

/** Run `read`, reporting a run file it cannot use as a bad --resume argument (exit 2). */
async function fromResumeDir<T>(dir: string, read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(`--resume ${dir}: ${err.message}`);
    throw err;
  }
}

/** Whether the run's env can draw the fixed episodes evaluations run (every navigation env can). */
function drawsEpisodes(run: RunFile): boolean {
  const env = make(run.env, run.envOptions ?? {});
  const episodic = isEpisodeSampler(env);
  env.close();
  return episodic;
}

/** --view [port]: the port, 8080 without one. */
function viewPort(view: boolean | string | undefined): number | null {
  if (view === undefined || view === false) return null;
  const port = view === true ? TRAIN_DEFAULTS.viewPort : Number(view);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--view: expected a port number, got "${String(view)}"`);
  return port;
}

/** `base`, or `base-2`, `base-3`, … whichever does not hold a run yet. */
function freeRunDir(base: string): string {
  if (!hasRunFile(base)) return base;
  for (let i = 2; ; i++) if (!hasRunFile(`${base}-${i}`)) return `${base}-${i}`;
}
