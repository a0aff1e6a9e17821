/**
 * Checkpoints of a training run, and the trained policy beside them.
 *
 *   runs/NAME/checkpoint.json          pointer to the latest complete checkpoint (written last, atomically)
 *   runs/NAME/checkpoints/000123/      one checkpoint per save (older ones removed after the pointer moves;
 *                                      `000123-2`, … when the same update is saved again)
 *     state.json                       agent, config, step, update, budget, RNG state, spaces, run metadata,
 *                                      and the lengths of the arrays in state.bin
 *     state.bin                        float32: every network weight, then every optimiser slot, then
 *                                      the auxiliary heads' weights (agents with auxiliary losses only)
 *     policy/                          the saved policy (agents/common/savedPolicy.ts): model.json,
 *                                      weights.bin, policy.json
 *
 * A crash or a power cut at any point leaves `checkpoint.json` naming a complete checkpoint (see
 * `saveCheckpoint`). Resuming restores the network, optimiser moments and step count, the RNG
 * (action sampling, shuffles) and the LR schedule, so the next update is the one the uninterrupted
 * run would have made; env episodes in progress restart (envs are reset with a seed derived from
 * the run seed and the update number).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { FileFormatError } from '../core/errors.js';
import { readJsonFile } from '../core/jsonFile.js';
import { SpaceJSONSchema } from '../core/spaces.js';
import type { AgentState, OnPolicyAgent } from '../../agents/common/OnPolicyAgent.js';
import { POLICY_FILE, type PolicyInfo } from '../../agents/common/policyInfo.js';
import { loadPolicyDir, savePolicy } from '../../agents/common/savedPolicy.js';
import { syncDir, writeFileAtomic, writeFileSynced } from '../core/atomicWrite.js';

/** The format version of checkpoints (state.json, checkpoint.json) this robonav writes and reads. */
export const CHECKPOINT_VERSION = 1;
/** The file in a run directory that names its latest complete checkpoint. */
export const POINTER_FILE = 'checkpoint.json';

/** What the caller records about the run (env id and options, so eval and resume can rebuild it). */
export type RunMeta = Record<string, unknown>;

const count = z.number().int().nonnegative();

/** `checkpoint.json`: the latest complete checkpoint of a run, a folder of its `checkpoints/`. */
const PointerSchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  dir: z.string().regex(/^checkpoints[/\\]\d{6,}(-\d+)?$/, 'expected checkpoints/ and a checkpoint name, e.g. checkpoints/000123'),
  step: count,
  update: count,
});

/** `state.json`: everything of the agent but its arrays, and the lengths of the arrays in `state.bin`. */
const StateSchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  agent: z.string().min(1),
  /** The full config the agent ran with (for reference: a resume takes its config from run.json). */
  config: z.record(z.string(), z.unknown()),
  step: count,
  update: count,
  totalSteps: count,
  rng: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  /** The action-sampling stream (absent in checkpoints written before it had its own; derived then). */
  samplingRng: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  observationSpace: SpaceJSONSchema,
  actionSpace: SpaceJSONSchema,
  meta: z.record(z.string(), z.unknown()),
  weightLengths: z.array(count),
  optimizerSteps: count,
  slotLengths: z.array(count),
  /** The auxiliary heads' array lengths (absent for agents without auxiliary losses, and in older checkpoints). */
  auxiliaryLengths: z.array(count).optional(),
});
type StateJSON = z.infer<typeof StateSchema>;

/**
 * Save `agent` under `runDir`; returns the checkpoint directory. Each step is on the disk before
 * the next begins:
 *
 *   1. every file goes into a new temporary folder, `checkpoints/.000123.tmp-<pid>-<random>`, and is
 *      flushed, then the folder itself;
 *   2. the folder is renamed to `checkpoints/000123` and `checkpoints/` is flushed. When that name
 *      is taken (the same update saved again: a finished run resumed), it becomes `000123-2`, …,
 *      so that the copy the pointer names stays whole until this one is complete;
 *   3. `checkpoint.json` is replaced atomically (temporary file flushed, renamed, run folder flushed);
 *   4. only then are the other entries of `checkpoints/` removed: older checkpoints, and the
 *      temporary folders of saves a crash interrupted.
 */
export async function saveCheckpoint(runDir: string, agent: OnPolicyAgent, meta: RunMeta = {}): Promise<string> {
  const state = agent.getState();
  const checkpoints = path.join(runDir, 'checkpoints');
  // A new checkpoints/ must be on the disk before a pointer into it is.
  if ((await mkdir(checkpoints, { recursive: true })) !== undefined) await syncDir(runDir);
  const base = String(state.update).padStart(6, '0');
  const tmp = path.join(checkpoints, `.${base}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp);
  try {
    await writeCheckpointFiles(tmp, agent, state, meta);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const name = freeName(await readdir(checkpoints), base);
  const dir = path.join(checkpoints, name);
  await rename(tmp, dir);
  await syncDir(checkpoints);
  await testPause();
  await writeFileAtomic(
    path.join(runDir, POINTER_FILE),
    JSON.stringify({ version: CHECKPOINT_VERSION, dir: path.join('checkpoints', name), step: state.step, update: state.update }),
  );
  await testPause();
  for (const entry of await readdir(checkpoints)) {
    if (entry !== name) await rm(path.join(checkpoints, entry), { recursive: true, force: true });
  }
  return dir;
}

/** Write a checkpoint's files into the folder `dir` and flush them and the folder. */
async function writeCheckpointFiles(dir: string, agent: OnPolicyAgent, state: AgentState, meta: RunMeta): Promise<void> {
  const { weights, optimizer, auxiliaryWeights, ...rest } = state;
  const json: StateJSON = {
    version: CHECKPOINT_VERSION,
    ...rest,
    config: { ...rest.config },
    meta,
    weightLengths: weights.map((w) => w.length),
    optimizerSteps: optimizer.steps,
    slotLengths: optimizer.slots.map((s) => s.length),
    ...(auxiliaryWeights ? { auxiliaryLengths: auxiliaryWeights.map((w) => w.length) } : {}),
  };
  await writeFileSynced(path.join(dir, 'state.bin'), concat([...weights, ...optimizer.slots, ...(auxiliaryWeights ?? [])]));
  await testPause();
  await writeFileSynced(path.join(dir, 'state.json'), JSON.stringify(json));
  await testPause();
  // Its files are written atomically, which flushes them and policy/.
  await savePolicy(path.join(dir, 'policy'), agent, meta);
  await testPause();
  await syncDir(dir);
}

/** `base`, or `base-2`, `base-3`, … whichever is not in `taken`. */
function freeName(taken: readonly string[], base: string): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

/**
 * A test hook: `ROBONAV_TEST_CHECKPOINT_PAUSE_MS` makes every save wait that long between its
 * steps, so that the kill test (tests/runs/crash.test.ts) often stops a process inside a save.
 * Unset, no save waits.
 */
const TEST_PAUSE_MS = Number(process.env.ROBONAV_TEST_CHECKPOINT_PAUSE_MS ?? 0);

async function testPause(): Promise<void> {
  if (TEST_PAUSE_MS > 0) await sleep(TEST_PAUSE_MS);
}

/** The latest checkpoint directory of a run. @throws FileFormatError when there is none or it is unreadable. */
export async function latestCheckpoint(runDir: string): Promise<string> {
  const pointer = path.join(runDir, POINTER_FILE);
  const { dir } = readJsonFile(pointer, PointerSchema);
  // A damaged pointer is reported as such, not as a state.json missing from some other folder.
  if (!(await isDirectory(path.join(runDir, dir)))) throw new FileFormatError(pointer, `names ${dir}, which is not a folder`);
  return path.join(runDir, dir);
}

/** Read the latest checkpoint of `runDir`. */
export async function loadCheckpoint(runDir: string): Promise<{ state: AgentState; meta: RunMeta; dir: string }> {
  const dir = await latestCheckpoint(runDir);
  const stateFile = path.join(dir, 'state.json');
  const json = readJsonFile(stateFile, StateSchema);
  const binFile = path.join(dir, 'state.bin');
  let bin: Buffer;
  try {
    bin = await readFile(binFile);
  } catch (err) {
    throw new FileFormatError(binFile, `cannot read: ${(err as Error).message}`);
  }
  const lengths = [...json.weightLengths, ...json.slotLengths, ...(json.auxiliaryLengths ?? [])];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (bin.byteLength !== total * 4) throw new FileFormatError(binFile, `has ${bin.byteLength} bytes, state.json describes ${total * 4}`);
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const n of lengths) {
    arrays.push(all.slice(offset, offset + n));
    offset += n;
  }
  const { version: _v, meta, weightLengths, optimizerSteps, slotLengths, auxiliaryLengths, config, ...rest } = json;
  const slotsEnd = weightLengths.length + slotLengths.length;
  const state: AgentState = {
    ...rest,
    // Validated as a record only: restoring never reads it (the agent is built from run.json's config).
    config: config as unknown as AgentState['config'],
    weights: arrays.slice(0, weightLengths.length),
    optimizer: { steps: optimizerSteps, slots: arrays.slice(weightLengths.length, slotsEnd) },
    ...(auxiliaryLengths ? { auxiliaryWeights: arrays.slice(slotsEnd) } : {}),
  };
  return { state, meta, dir };
}

/**
 * The policy folder (model.json + policy.json) that `target` names: a run directory (its latest
 * checkpoint's policy), a checkpoint directory, or a policy folder itself.
 * @throws FileFormatError when it is none of them.
 */
export async function resolvePolicyDir(target: string): Promise<string> {
  if (await exists(path.join(target, POINTER_FILE))) return path.join(await latestCheckpoint(target), 'policy');
  if (await exists(path.join(target, 'policy', POLICY_FILE))) return path.join(target, 'policy');
  if (await exists(path.join(target, POLICY_FILE))) return target;
  throw new FileFormatError(target, `is not a run, checkpoint or policy directory (no ${POINTER_FILE} or ${POLICY_FILE})`);
}

/** Load the saved policy of a run, a checkpoint or a policy folder (see `resolvePolicyDir`). */
export async function loadSavedPolicy(target: string): Promise<{ model: tf.LayersModel; info: PolicyInfo; dir: string }> {
  const dir = await resolvePolicyDir(target);
  return { ...(await loadPolicyDir(dir)), dir };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

function concat(arrays: readonly Float32Array[]): Uint8Array {
  const total = arrays.reduce((a, b) => a + b.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(out.buffer);
}
