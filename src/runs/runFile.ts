/**
 * `run.json`: what a training run is — env, env options, agent, validated agent config, step
 * budget and pretrained starting point — written by `robonav train` when the run starts and read
 * back by `--resume` and by `robonav eval` (the env options a policy was trained with).
 *
 *   {"version": 1, "env": "PointNav-Easy-v0", "envOptions": {}, "agent": "ppo",
 *    "config": {"seed": 1}, "steps": 40960, "pretrained": {…}}
 *
 * One zod schema is the source of the type and of the checks, so a run file that is missing,
 * corrupt or of another shape is a `FileFormatError` naming the file, never a crash later.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type AgentName, CONFIG_SCHEMAS } from '../../agents/registry.js';
import { writeFileAtomicSync } from '../core/atomicWrite.js';
import { readJsonFile } from '../core/jsonFile.js';

/** The file name of a run's description in its directory. */
export const RUN_FILE = 'run.json';
/** The format version of run.json this robonav writes and reads. */
export const RUN_FILE_VERSION = 1;

/** What a run's policy started from, besides its seeded initialisation. */
export const PretrainedStartSchema = z.object({
  /** `robonav pretrain` folder the encoder branch was copied from, or null. */
  encoder: z.string().nullable(),
  freezeEncoder: z.boolean(),
  /**
   * Indices into `network.encoder.layers` of the frozen layers: a resumed run freezes the same
   * ones (the optimiser state holds slots for the trainable variables only), without needing the
   * pretrained folder any more. Indices, not names: tfjs numbers auto-named layers per process.
   */
  frozenLayers: z.array(z.number().int().min(0)),
  /** `robonav pretrain rnn` folder the recurrent core was copied from, or null. */
  core: z.string().nullable(),
  /**
   * With a core: whether its input weights were copied too (the policy reads exactly the features
   * the core was pretrained over) or kept fresh (only recurrent weights and biases copied).
   */
  coreInputWeights: z.boolean().optional(),
});
/** What a run's policy started from besides its seeded initialisation (`--encoder`, `--core`). */
export type PretrainedStart = z.infer<typeof PretrainedStartSchema>;

/** How a distributed run was trained: its broker (password redacted: never stored), stream name and off-policy settings. */
export const DistributedRunSchema = z.object({
  /** The --broker URL with the password replaced by `***`. */
  broker: z.string().min(1),
  /** The run's name in the broker's keys (`robonav actor --run NAME`). */
  run: z.string().min(1),
  /** Plain PPO on exactly one rollout of each version (`--sync`), else V-trace on lagged chunks. */
  sync: z.boolean(),
  /** Chunks more than this many versions old are dropped (`--max-policy-lag`). */
  maxPolicyLag: z.number().int().min(0),
});

/** The `distributed` section of run.json. */
export type DistributedRun = z.infer<typeof DistributedRunSchema>;

/** The run file of one agent: its `config` is checked against that agent's schema. */
function runFileOf<A extends AgentName>(agent: A) {
  return z.object({
    version: z.literal(RUN_FILE_VERSION),
    /** Registered env id. */
    env: z.string().min(1),
    /** Options of `make(env, options)` (`--env-options`); runs without them use the env's defaults. */
    envOptions: z.record(z.string(), z.unknown()).optional(),
    agent: z.literal(agent),
    /** The partial agent config (missing fields take the agent's defaults). */
    config: CONFIG_SCHEMAS[agent],
    /** The step budget (all envs together). */
    steps: z.number().int().positive(),
    /** Absent for runs that started from a seeded initialisation only. */
    pretrained: PretrainedStartSchema.optional(),
    /** A learner fed by actors over Redis (`train --broker`); absent for in-process runs. */
    distributed: DistributedRunSchema.optional(),
  });
}

/** The strict schema of run.json, one branch per agent so that each carries its own config schema. */
export const RunFileSchema = z.discriminatedUnion('agent', [runFileOf('ppo'), runFileOf('a2c'), runFileOf('reinforce')]);
/** run.json: env, env options, agent, its validated config, step budget and pretrained start. */
export type RunFile = z.infer<typeof RunFileSchema>;

/** `<dir>/run.json`. */
export function runFilePath(dir: string): string {
  return path.join(dir, RUN_FILE);
}

/** Whether `dir` holds a run (its run.json exists, whatever its content). */
export function hasRunFile(dir: string): boolean {
  return existsSync(runFilePath(dir));
}

/** Read and check `<dir>/run.json`. @throws FileFormatError naming the file when it is missing, not JSON or not a run file. */
export function readRunFile(dir: string): RunFile {
  return readJsonFile(runFilePath(dir), RunFileSchema, 'missing (not a run directory)');
}

/** Write `<dir>/run.json` atomically (the directory must exist). */
export function writeRunFile(dir: string, run: RunFile): void {
  writeFileAtomicSync(runFilePath(dir), JSON.stringify(run, null, 1));
}
