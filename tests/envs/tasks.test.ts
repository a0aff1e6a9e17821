import { describe, expect, it } from 'vitest';
import { DiscreteAction } from '../../src/sim/PhysicsWorld.js';
import { categoryId, OBJECT_CATEGORIES } from '../../src/sim/categories.js';
import { make } from '../../envs/registry.js';
import type { Explore } from '../../envs/Explore.js';
import type { ObjectNav } from '../../envs/ObjectNav.js';
import type { TMaze } from '../../envs/TMaze.js';
import { OraclePolicy } from '../../agents/oracle.js';

const { MOVE_FORWARD, TURN_LEFT, TURN_RIGHT, STOP } = DiscreteAction;

describe('ObjectNav', () => {
  it('gives the goal category one-hot and succeeds on STOP within 1 m of an instance in sight', () => {
    const env = make('ObjectNav-Easy-v0', { sensors: ['objectgoal'] }) as ObjectNav;
    const { obs } = env.reset({ seed: 4 });
    const onehot = Array.from((obs as Record<string, Float32Array>).objectgoal!);
    expect(onehot.reduce((a, b) => a + b, 0)).toBe(1);
    expect(OBJECT_CATEGORIES[onehot.indexOf(1)]).toBe(env.episode.category);
    expect(['chair', 'plant', 'ball']).toContain(env.episode.category);
    const oracle = new OraclePolicy();
    let last = env.step(oracle.act(obs, env));
    while (!last.terminated && !last.truncated) last = env.step(oracle.act(last.obs, env));
    expect(last.terminated).toBe(true);
    expect(last.info.success).toBe(1);
    // Where it stopped, an instance of the category is within 1 m (1.0 m + its half-size of the centre).
    const { x, z } = env.world.pose;
    const near = env.scene.primitives
      .filter((p) => env.scene.categories[p.material.category] === env.episode.category)
      .some((p) => Math.hypot(p.position[0] - x, p.position[2] - z) < 1 + 1.1);
    expect(near).toBe(true);
  });
});

describe('ObjectNav goalview', () => {
  it('shows where the semantic frame sees the goal category, on every reset and step', () => {
    const env = make('ObjectNav-Easy-v0', { sensors: ['semantic', 'goalview', 'objectgoal'], cameraSize: 32 }) as ObjectNav;
    const oracle = new OraclePolicy();
    let obs = env.reset({ seed: 2 }).obs as Record<string, Uint8Array | Float32Array>;
    let sawGoal = false;
    for (let done = false; !done; ) {
      const id = categoryId(env.episode.category!);
      // 32 px in 8 cells: every cell is 4 × 4 px, so the grid's mean is the frame's fraction of goal pixels.
      const fraction = Array.from(obs.semantic!).filter((v) => v === id).length / (32 * 32);
      const mean = Array.from(obs.goalview!).reduce((a, b) => a + b, 0) / 64;
      expect(mean).toBeCloseTo(fraction, 6);
      sawGoal ||= fraction > 0;
      const r = env.step(oracle.act(obs, env));
      obs = r.obs as Record<string, Uint8Array | Float32Array>;
      done = r.terminated || r.truncated;
    }
    // The oracle ends at the object, looking at it.
    expect(sawGoal).toBe(true);
    expect(obs.goalview!.some((v) => v > 0)).toBe(true);
  });
});

describe('ObjectNav coverageReward', () => {
  /** The same episode with and without the exploration reward, stepped in lockstep. */
  function pair(seed: number) {
    const plain = make('ObjectNav-Easy-v0', { sensors: ['objectgoal'] }) as ObjectNav;
    const exploring = make('ObjectNav-Easy-v0', { sensors: ['objectgoal'], coverageReward: 0.5 }) as ObjectNav;
    plain.reset({ seed });
    exploring.reset({ seed });
    const step = (action: number) => {
      const r = [plain.step(action), exploring.step(action)] as const;
      return { extra: r[1].reward - r[0].reward, last: r[1] };
    };
    return { exploring, step };
  }

  it('pays per m² of newly seen floor on top of the task reward, and nothing for floor seen before', () => {
    const { exploring, step } = pair(3);
    expect(exploring.goalSeen).toBe(false);
    const c0 = exploring.coverage;
    // Turning reveals new floor; turning back looks at floor already seen.
    expect(step(TURN_LEFT).extra).toBeGreaterThan(0.01);
    expect(exploring.coverage).toBeGreaterThan(c0);
    expect(step(TURN_RIGHT).extra).toBeCloseTo(0, 12);
    const { last } = step(STOP);
    expect(last.terminated).toBe(true);
    expect(last.info.coverage).toBeCloseTo(exploring.coverage, 12);
  });

  it('stops paying once a view point of the goal has been seen', () => {
    const { exploring, step } = pair(3);
    for (let t = 0; t < 36 && !exploring.goalSeen; t++) step(TURN_LEFT);
    expect(exploring.goalSeen).toBe(true);
    const seen = exploring.coverage;
    for (let t = 0; t < 12; t++) expect(step(t % 3 === 2 ? TURN_RIGHT : MOVE_FORWARD).extra).toBeCloseTo(0, 12);
    expect(exploring.coverage).toBeGreaterThan(seen);
    expect(step(STOP).last.info.goalSeen).toBe(1);
  });

  it('rejects a negative coverageReward', () => {
    expect(() => make('ObjectNav-Easy-v0', { coverageReward: -0.1 })).toThrow(/coverageReward/);
  });
});

describe('Explore', () => {
  it('pays for newly seen floor and reports coverage; STOP does not end it', () => {
    const env = make('Explore-Easy-v0', { sensors: ['gps'] }) as Explore;
    env.reset({ seed: 1 });
    const c0 = env.coverage;
    expect(c0).toBeGreaterThan(0);
    // Turning in place reveals new floor: reward = −0.01 + 0.1 · new area > −0.01.
    const r = env.step(TURN_LEFT);
    expect(r.reward).toBeGreaterThan(-0.01);
    expect(env.coverage).toBeGreaterThan(c0);
    // Looking at the same floor again earns only the slack.
    const back = env.step(TURN_RIGHT);
    expect(back.reward).toBeCloseTo(-0.01, 12);
    expect(env.step(STOP).terminated).toBe(false);
    let end = env.step(TURN_LEFT);
    for (let t = 0; !end.terminated && !end.truncated; t++) end = env.step(t % 6 === 5 ? TURN_LEFT : MOVE_FORWARD);
    expect(end.info.coverage).toBeCloseTo(env.coverage, 12);
    expect(end.info).toMatchObject({ spl: 0, softSpl: 0 });
  });
});

describe('TMaze', () => {
  it('rewards the cued arm (+1) and penalises the other (−1); the oracle always takes the cued one', () => {
    const env = make('TMaze-v0', { sensors: ['compass'] }) as TMaze;
    const oracle = new OraclePolicy();
    const arms = new Set<number>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { obs } = env.reset({ seed });
      const episode = env.episode;
      arms.add(Math.sign(episode.goal![1]));
      let last = env.step(oracle.act(obs, env));
      while (!last.terminated && !last.truncated) last = env.step(oracle.act(last.obs, env));
      expect(last.info.success).toBe(1);
      expect(last.reward).toBeCloseTo(-0.01 + 1, 12);

      // Record the oracle's way to the other arm (a mirrored goal), then replay it in the real episode.
      const mirrored = { ...episode, goal: [episode.goal![0], -episode.goal![1]] as [number, number] };
      const actions: number[] = [];
      let m = env.reset({ options: { episode: mirrored } });
      for (let done = false; !done; ) {
        const a = oracle.act(m.obs, env) as number;
        actions.push(a);
        const r = env.step(a);
        done = r.terminated || r.truncated;
        m = r;
      }
      env.reset({ options: { episode } });
      const replay = actions.map((a) => env.step(a));
      const wrong = replay[replay.length - 1]!;
      expect(wrong.terminated).toBe(true);
      expect(wrong.info.success).toBe(0);
      expect(wrong.reward).toBeCloseTo(-0.01 - 1, 12);
    }
    // Both arms occur across seeds.
    expect(arms.size).toBe(2);
  });
});
