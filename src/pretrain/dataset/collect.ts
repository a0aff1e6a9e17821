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
 * Splits: the env draws each episode's scene from its `split` (disjoint scene-seed ranges, see
 * `envs/episodes.ts`); the index records every episode's scene seed (`info.sceneSeed` of the reset),
 * which is what `splitEpisodesBySeed` holds out by. The env is reset with `seed` once and then
 * without a seed, so one seed gives one dataset.
 */
import type { Policy } from '../../core/Policy.js';
import type { Action, Env } from '../../core/Env.js';
import { UsageError } from '../../core/errors.js';
import { Rng } from '../../core/Rng.js';
import { Box, Dict, Discrete } from '../../core/spaces.js';
import { FrameFlag, type DatasetIndex, type EpisodeEntry, type FieldSpec } from './format.js';
import { ShardWriter } from './ShardWriter.js';

/** Camera keys recorded when the observation has them. */
export const FRAME_KEYS = ['rgb', 'depth', 'semantic'] as const;

/** The overall [low, high] of a Box (frames have uniform bounds). */
function boxBounds(box: Box): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < box.size; i++) {
    low = Math.min(low, box.low[i]!);
    high = Math.max(high, box.high[i]!);
  }
  return [low, high];
}

/**
 * Uniformly random moving actions, from its own seeded stream: every discrete action but the first
 * (STOP), which would end most episodes within a few steps (the `random` baseline's problem);
 * continuous actions uniformly in the Box. Its episodes wander through the scene until the time
 * limit, which is what sequence models and scene coverage need.
 */
export class RandomMovePolicy implements Policy {
  readonly name = 'random-move';
  private readonly rng: Rng;

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(): void {}

  act(_obs: unknown, env: Env): Action {
    const space = env.actionSpace;
    if (space instanceof Discrete) return space.n > 1 ? space.start + 1 + this.rng.int(space.n - 1) : space.start;
    return space.sample(this.rng) as Action;
  }
}

/** What `collect` records: the env, the policy acting in it, how many frames, with what seed, into which folder. */
export interface CollectOptions {
  /** A fresh env (`make(id, options)`); collect closes it. */
  env: Env;
  envId: string;
  /** Any policy (src/core/Policy.ts): random, oracle, a trained run. */
  policy: Policy;
  /** Frames to record (observations, including each episode's final one). */
  steps: number;
  seed: number;
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
  if (fields.length === 0)
    throw new UsageError(`the env's observation has no camera frames (${FRAME_KEYS.join(', ')}): ${space.toString()}`);
  const actions = env.actionSpace;
  fields.push({ name: 'pose', dtype: 'float32', shape: [3] });
  fields.push(
    actions instanceof Discrete
      ? { name: 'action', dtype: 'int32', shape: [1] }
      : { name: 'action', dtype: 'float32', shape: [actions.size] },
  );
  fields.push({ name: 'reward', dtype: 'float32', shape: [1] });
  fields.push({ name: 'episode', dtype: 'uint32', shape: [1] });
  fields.push({ name: 'step', dtype: 'uint32', shape: [1] });
  fields.push({ name: 'flags', dtype: 'uint8', shape: [1] });
  return fields;
}

/** Run the policy for `steps` frames and write the dataset; deterministic in `seed`. */
export async function collect(options: CollectOptions): Promise<DatasetIndex> {
  const { env, policy, steps } = options;
  const fields = collectFields(env);
  const writer = new ShardWriter(options.out, { fields, framesPerShard: options.framesPerShard });
  try {
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
    for (const f of fields)
      if ((FRAME_KEYS as readonly string[]).includes(f.name))
        frame[f.name] =
          f.dtype === 'uint8' ? new Uint8Array(f.shape.reduce((a, b) => a * b, 1)) : new Float32Array(f.shape.reduce((a, b) => a * b, 1));
    const values: Record<string, ArrayLike<number>> = {
      ...frame,
      pose,
      action,
      reward,
      episode: ids.subarray(0, 1),
      step: ids.subarray(1, 2),
      flags: flagBuf,
    };
    const capture = (obs: unknown): void => {
      const o = obs as Record<string, ArrayLike<number>>;
      for (const key of frameKeys) frame[key]!.set(o[key]!);
      const p = (env as PoseSource).world?.pose;
      if (!p) throw new UsageError('the env exposes no robot pose (env.world.pose after reset): collect needs a robonav navigation env');
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
      const reset = env.reset(k === 0 ? { seed: options.seed } : {});
      let obs = reset.obs;
      policy.reset();
      // An env without scenes (no info.sceneSeed) counts each episode as its own scene.
      const scene = typeof reset.info.sceneSeed === 'number' ? reset.info.sceneSeed : k;
      const entry: EpisodeEntry = { id: k, seed: scene, frames: 0, complete: false, return: 0, metrics: {} };
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
        const a = await policy.act(obs, env);
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
      meta: {
        env: options.envId,
        policy: policy.name,
        seed: options.seed,
        actionSpace: env.actionSpace.toJSON(),
        // The frames' value bounds [low, high] (pixel range, depth far plane in m) for readers that normalise.
        bounds: Object.fromEntries(frameKeys.map((key) => [key, boxBounds((env.observationSpace as Dict).spaces[key] as Box)])),
        ...options.meta,
      },
    });
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    env.close();
    policy.dispose?.();
  }
}
