/**
 * Record a dataset by running a policy in an env: every observation's camera frames (rgb, depth,
 * semantic — whichever the env's Dict observation has), the robot pose, the action taken from it,
 * the reward that followed, and episode boundaries, into shards written by `ShardWriter`.
 *
 * Fields of a collected dataset (one value per frame):
 * | field    | dtype   | shape     | meaning                                                      |
 * |----------|---------|-----------|--------------------------------------------------------------|
 * | rgb      | uint8   | [H, W, 3] | colour frame, HWC, row 0 = top (when the env renders RGB)     |
 * | depth    | float32 | [H, W, 1] | depth along the optical axis, m                              |
 * | semantic | uint8   | [H, W, 1] | category id per pixel (`src/sim/categories.ts`)               |
 * | pose     | float32 | [3]       | robot x (m), z (m), yaw (rad) when the frame was seen          |
 * | action   | int32   | [1]       | discrete action taken from this frame; −1 on a LAST frame     |
 * |          | float32 | [k]       | (continuous envs) action taken; NaN on a LAST frame           |
 * | reward   | float32 | [1]       | reward of the step taken from this frame; 0 on a LAST frame   |
 * | episode  | uint32  | [1]       | episode id (index into `index.json` episodes)                  |
 * | step     | uint32  | [1]       | step within the episode (0 = first observation)                |
 * | flags    | uint8   | [1]       | FrameFlag bits: FIRST, LAST, TERMINATED                        |
 *
 * An episode of T steps therefore has T + 1 frames: o₀ … o_T, where o_T (the final observation,
 * from `terminated`/`truncated`) carries LAST and no action.
 *
 * Splits: episode k is reset with a seed derived from (seed, k) whose lowest bit is the split
 * (0 = train, 1 = val), so train and val datasets never share a scene, whatever their seeds.
 */
import type { Action, Env } from '../../core/Env.js';
import { UsageError } from '../../core/errors.js';
import { Rng } from '../../core/Rng.js';
import { Box, Dict, Discrete } from '../../core/spaces.js';
import { FrameFlag, type DatasetIndex, type EpisodeEntry, type FieldSpec } from './format.js';
import { ShardWriter } from './ShardWriter.js';

export const SPLITS = ['train', 'val'] as const;
export type Split = (typeof SPLITS)[number];

/** Camera keys recorded when the observation has them. */
export const FRAME_KEYS = ['rgb', 'depth', 'semantic'] as const;

/** A policy for collection: an action for the current observation (may read privileged env state). */
export interface CollectPolicy {
  readonly name: string;
  /** Called after every reset, before the first `act` of the episode. */
  reset?(env: Env): void;
  act(obs: unknown, env: Env, rng: Rng): Action;
  dispose?(): void;
}

/** Uniformly random actions from the env's action space. */
export function randomPolicy(): CollectPolicy {
  return { name: 'random', act: (_obs, env, rng) => env.actionSpace.sample(rng) as Action };
}

/** The reset seed of episode `k` of a split: 31 hashed bits with the split in the lowest bit. */
export function episodeSeed(split: Split, seed: number, k: number): number {
  const rng = new Rng(seed);
  rng.reseed(((rng.nextU32() ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0) + k * 0x100000000);
  const bits = rng.nextU32() >>> 2; // 30 bits: the seed stays a small non-negative integer
  return bits * 2 + (split === 'val' ? 1 : 0);
}

export interface CollectOptions {
  /** A fresh env (`make(id, options)`); collect closes it. */
  env: Env;
  envId: string;
  policy: CollectPolicy;
  /** Frames to record (observations, including each episode's final one). */
  steps: number;
  seed: number;
  split: Split;
  out: string;
  /** @default 512 */
  framesPerShard?: number;
  /** Extra facts for `index.json` meta (env options, camera). */
  meta?: Record<string, unknown>;
  /** Called every `progressEvery` frames with the count so far. */
  onProgress?: (frames: number) => void;
}

interface PoseSource {
  world?: { pose?: { x: number; z: number; yaw: number } };
}

/** The fields a collected dataset of this env will have (see the table above). */
export function collectFields(env: Env): FieldSpec[] {
  const space = env.observationSpace;
  const fields: FieldSpec[] = [];
  if (space instanceof Dict) {
    for (const key of FRAME_KEYS) {
      const sub = space.spaces[key];
      if (sub instanceof Box) fields.push({ name: key, dtype: sub.dtype, shape: [...sub.shape] });
    }
  }
  if (fields.length === 0) throw new UsageError(`the env's observation has no camera frames (${FRAME_KEYS.join(', ')}): ${space.toString()}`);
  if (!(env as PoseSource).world?.pose) throw new UsageError('the env exposes no robot pose (env.world.pose): collect needs a robonav navigation env');
  const actions = env.actionSpace;
  fields.push({ name: 'pose', dtype: 'float32', shape: [3] });
  fields.push(actions instanceof Discrete ? { name: 'action', dtype: 'int32', shape: [1] } : { name: 'action', dtype: 'float32', shape: [actions.size] });
  fields.push({ name: 'reward', dtype: 'float32', shape: [1] });
  fields.push({ name: 'episode', dtype: 'uint32', shape: [1] });
  fields.push({ name: 'step', dtype: 'uint32', shape: [1] });
  fields.push({ name: 'flags', dtype: 'uint8', shape: [1] });
  return fields;
}

/** Run the policy for `steps` frames and write the dataset; deterministic in `seed`. */
export function collect(options: CollectOptions): DatasetIndex {
  const { env, policy, steps } = options;
  const fields = collectFields(env);
  const writer = new ShardWriter(options.out, { fields, framesPerShard: options.framesPerShard });
  try {
    const rng = new Rng(options.seed);
    const frameKeys = fields.filter((f) => (FRAME_KEYS as readonly string[]).includes(f.name)).map((f) => f.name);
    const discrete = env.actionSpace instanceof Discrete;
    const actionSize = discrete ? 1 : (env.actionSpace as Box).size;
    const pose = new Float32Array(3);
    const action = discrete ? new Int32Array(1) : new Float32Array(actionSize);
    const noAction = discrete ? new Int32Array([-1]) : new Float32Array(actionSize).fill(Number.NaN);
    const reward = new Float32Array(1);
    const ids = new Uint32Array(2);
    const flagBuf = new Uint8Array(1);
    const episodes: EpisodeEntry[] = [];
    // The frame being recorded: copied out of the env's buffers before `step` overwrites them.
    const frame: Record<string, Uint8Array | Float32Array> = {};
    for (const f of fields) if ((FRAME_KEYS as readonly string[]).includes(f.name)) frame[f.name] = f.dtype === 'uint8' ? new Uint8Array(f.shape.reduce((a, b) => a * b, 1)) : new Float32Array(f.shape.reduce((a, b) => a * b, 1));
    const values: Record<string, ArrayLike<number>> = { ...frame, pose, action, reward, episode: ids.subarray(0, 1), step: ids.subarray(1, 2), flags: flagBuf };
    const capture = (obs: unknown): void => {
      const o = obs as Record<string, ArrayLike<number>>;
      for (const key of frameKeys) frame[key]!.set(o[key]!);
      const p = (env as PoseSource).world!.pose!;
      pose[0] = p.x;
      pose[1] = p.z;
      pose[2] = p.yaw;
    };
    const record = (act: ArrayLike<number>, r: number, episode: number, t: number, flags: number): void => {
      values.action = act;
      reward[0] = r;
      ids[0] = episode;
      ids[1] = t;
      flagBuf[0] = flags;
      writer.append(values);
      if (options.onProgress && writer.frames % 1000 === 0) options.onProgress(writer.frames);
    };

    let k = 0;
    while (writer.frames < steps) {
      const seed = episodeSeed(options.split, options.seed, k);
      let { obs } = env.reset({ seed });
      policy.reset?.(env);
      const entry: EpisodeEntry = { id: k, seed, frames: 0, complete: false, return: 0, metrics: {} };
      episodes.push(entry);
      for (let t = 0; ; t++) {
        capture(obs);
        const first = t === 0 ? FrameFlag.FIRST : 0;
        if (writer.frames === steps - 1) {
          // The budget ends on this observation: the episode stays unfinished, no action recorded.
          record(noAction, 0, k, t, first);
          entry.frames++;
          break;
        }
        const a = policy.act(obs, env, rng);
        if (discrete) action[0] = a as number;
        else (action as Float32Array).set(a as ArrayLike<number>);
        const step = env.step(a);
        record(action, step.reward, k, t, first);
        entry.frames++;
        entry.return += step.reward;
        obs = step.obs;
        if (step.terminated || step.truncated) {
          capture(obs);
          record(noAction, 0, k, t + 1, FrameFlag.LAST | (step.terminated ? FrameFlag.TERMINATED : 0));
          entry.frames++;
          entry.complete = true;
          for (const [name, v] of Object.entries(step.info)) if (typeof v === 'number' && Number.isFinite(v)) entry.metrics[name] = v;
          break;
        }
      }
      k++;
    }
    return writer.finish({
      episodes,
      meta: { env: options.envId, policy: policy.name, seed: options.seed, split: options.split, ...options.meta },
    });
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    env.close();
    policy.dispose?.();
  }
}
