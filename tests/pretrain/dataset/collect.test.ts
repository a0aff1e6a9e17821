import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Env, ResetArgs } from '../../../src/core/Env.js';
import { Rng } from '../../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../../src/core/spaces.js';
import { ShardReader } from '../../../src/pretrain/dataset/ShardReader.js';
import { RandomPolicy } from '../../../agents/random.js';
import { RandomMovePolicy, collect } from '../../../src/pretrain/dataset/collect.js';
import { FrameFlag } from '../../../src/pretrain/dataset/format.js';

/**
 * A seeded stand-in for a navigation env: each reset draws a scene seed from the split's range
 * (like NavEnv), 6×5 frames whose pixels encode (scene, step), a pose that moves 0.25 m per
 * MOVE_FORWARD, and episodes ending after 3–7 steps (terminated in odd scenes).
 */
class FakeNavEnv implements Env {
  readonly observationSpace = new Dict({
    rgb: new Box(0, 255, [6, 5, 3], 'uint8'),
    depth: new Box(0, 10, [6, 5, 1]),
    pointgoal: new Box(-100, 100, [2]),
  });
  readonly actionSpace = new Discrete(4);
  readonly world = { pose: { x: 0, z: 0, yaw: 0 } };
  private readonly obs = { rgb: new Uint8Array(90), depth: new Float32Array(30), pointgoal: new Float32Array(2) };
  private t = 0;
  private length = 0;
  private seed = 0;
  private readonly rng = new Rng(0);
  closed = false;

  constructor(private readonly firstScene = 0) {}

  reset(args: ResetArgs = {}) {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.seed = this.firstScene + this.rng.int(1000);
    this.t = 0;
    this.length = 3 + this.rng.int(5);
    this.world.pose = { x: this.rng.uniform(-1, 1), z: 0, yaw: 0 };
    this.render();
    return { obs: this.obs, info: { sceneSeed: this.seed } };
  }

  step(action: number) {
    this.t++;
    if (action === 1) this.world.pose = { ...this.world.pose, x: this.world.pose.x + 0.25 };
    if (action === 2) this.world.pose = { ...this.world.pose, yaw: this.world.pose.yaw + 0.1 };
    this.render();
    const end = this.t >= this.length;
    const terminated = end && this.seed % 2 === 1;
    return {
      obs: this.obs,
      reward: action === 1 ? 1 : 0,
      terminated,
      truncated: end && !terminated,
      info: end ? { success: terminated ? 1 : 0, steps: this.t } : {},
    };
  }

  close(): void {
    this.closed = true;
  }

  private render(): void {
    this.obs.rgb.fill((this.seed + this.t) % 256);
    this.obs.depth.fill(this.t / 2);
  }
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'robonav-collect-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function run(out: string, seed: number, firstScene = 0, steps = 40) {
  const env = new FakeNavEnv(firstScene);
  const index = await collect({
    env,
    envId: 'Fake-v0',
    policy: new RandomPolicy(seed),
    steps,
    seed,
    out: join(root, out),
    framesPerShard: 16,
  });
  expect(env.closed).toBe(true);
  return index;
}

describe('collect', () => {
  it('records exactly `steps` frames with episode boundaries, actions and poses', async () => {
    const index = await run('a', 3);
    expect(index.frames).toBe(40);
    expect(index.fields.map((f) => f.name)).toEqual(['rgb', 'depth', 'pose', 'action', 'reward', 'episode', 'step', 'flags']);
    expect(index.episodes.reduce((a, e) => a + e.frames, 0)).toBe(40);
    expect(index.episodes.slice(0, -1).every((e) => e.complete)).toBe(true);
    const reader = ShardReader.open(join(root, 'a'));
    const all = reader.readAll();
    const { flags, action, step, episode, rgb, depth, pose, reward } = all.data as Record<string, Float32Array>;
    for (let i = 0; i < 40; i++) {
      const ep = index.episodes[episode![i]!]!;
      // The frame's pixels were captured before the step that followed it.
      expect(rgb![i * 90]).toBe((ep.seed + step![i]!) % 256);
      expect(depth![i * 30]).toBe(step![i]! / 2);
      if (flags![i]! & FrameFlag.LAST) {
        expect(action![i]).toBe(-1);
        expect(Boolean(flags![i]! & FrameFlag.TERMINATED)).toBe(ep.seed % 2 === 1);
      } else if (i + 1 < 40 && episode![i + 1] === episode![i]) {
        expect(action![i]).toBeGreaterThanOrEqual(0);
        // MOVE_FORWARD moved the pose of the next frame by 0.25 m and earned reward 1.
        expect(pose![(i + 1) * 3]! - pose![i * 3]!).toBeCloseTo(action![i] === 1 ? 0.25 : 0, 5);
        expect(reward![i]).toBe(action![i] === 1 ? 1 : 0);
      }
      expect(Boolean(flags![i]! & FrameFlag.FIRST)).toBe(step![i] === 0);
    }
    const done = index.episodes.find((e) => e.complete)!;
    expect(done.metrics.steps).toBe(done.frames - 1);
  });

  it('is deterministic in the seed', async () => {
    const a = await run('a', 7);
    const b = await run('b', 7);
    const c = await run('c', 8);
    expect(b.shards.map((s) => s.sha1)).toEqual(a.shards.map((s) => s.sha1));
    expect(c.shards.map((s) => s.sha1)).not.toEqual(a.shards.map((s) => s.sha1));
  });

  it('random-move never calls STOP, so its episodes run to the time limit', async () => {
    const env = new FakeNavEnv();
    const index = await collect({ env, envId: 'Fake-v0', policy: new RandomMovePolicy(3), steps: 60, seed: 3, out: join(root, 'm') });
    const actions = ShardReader.open(join(root, 'm')).readAll(['action']).data.action!;
    expect(index.meta.policy).toBe('random-move');
    expect([...actions].filter((a) => a !== -1).every((a) => a >= 1 && a <= 3)).toBe(true);
  });

  it('records the scene seed of every episode, as the env reports it', async () => {
    const index = await run('v', 1, 5000, 20);
    expect(index.episodes.length).toBeGreaterThan(2);
    expect(index.episodes.every((e) => e.seed >= 5000 && e.seed < 6000)).toBe(true);
    expect(index.meta).toMatchObject({ env: 'Fake-v0', policy: 'random', seed: 1, actionSpace: { type: 'discrete', n: 4 } });
  });

  it('writes nothing when the env has no camera frames', async () => {
    const env = new FakeNavEnv();
    (env as { observationSpace: unknown }).observationSpace = new Box(0, 1, [2]);
    await expect(collect({ env, envId: 'Fake-v0', policy: new RandomPolicy(0), steps: 5, seed: 0, out: join(root, 'x') })).rejects.toThrow(
      /no camera frames/,
    );
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});
