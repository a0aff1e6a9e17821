import { describe, expect, it } from 'vitest';
import { EnvStateError, SpaceError, UsageError } from '../../src/core/errors.js';
import { DiscreteAction } from '../../src/sim/PhysicsWorld.js';
import { make } from '../../envs/registry.js';
import type { NavEnv } from '../../envs/NavEnv.js';
import type { PointNav } from '../../envs/PointNav.js';

const { STOP, MOVE_FORWARD, TURN_LEFT } = DiscreteAction;

function pointNav(options: Record<string, unknown> = {}): PointNav {
  return make('PointNav-Easy-v0', { sensors: ['pointgoal', 'gps', 'compass', 'collision'], ...options }) as PointNav;
}

/** An episode in an empty room: the goal 1 m ahead and 1 m to the left of the start. */
const OPEN_EPISODE = {
  sceneSeed: 1_010_000,
  start: { position: [0, 0] as [number, number], yaw: 0 },
  goal: [1, -1] as [number, number],
  geodesicDistance: 1.5,
};

/** Everything a step could change: pose, step count, distance, observation values. */
function state(env: NavEnv): string {
  const { x, z, yaw } = env.world.pose;
  const obs = Object.fromEntries(Object.entries(env.sensors.obs).map(([k, v]) => [k, Array.from(v)]));
  return JSON.stringify({ x, z, yaw, steps: env.steps, d: env.distanceToGoal, obs });
}

describe('PointNav', () => {
  it('rejects bad discrete actions with a SpaceError naming the space and the value, changing nothing', () => {
    const env = pointNav();
    env.reset({ seed: 3 });
    env.step(MOVE_FORWARD);
    const before = state(env);
    for (const bad of [4, -1, 1.5, NaN, '1', null, [1]]) {
      expect(() => env.step(bad as number)).toThrow(SpaceError);
      expect(state(env)).toBe(before);
    }
    expect(() => env.step(7)).toThrow(/PointNav-Easy-v0: action 7 is not in the action space Discrete\(4\): 7 is outside/);
    expect(() => env.step(NaN)).toThrow(/action NaN .*Discrete\(4\)/);
    // The next valid step works as if nothing happened.
    const twin = pointNav();
    twin.reset({ seed: 3 });
    twin.step(MOVE_FORWARD);
    expect(env.step(MOVE_FORWARD).obs).toEqual(twin.step(MOVE_FORWARD).obs);
  });

  it('rejects bad continuous actions: wrong length, NaN, out of range, wrong type', () => {
    const env = pointNav({ continuous: true });
    env.reset({ seed: 1 });
    const before = state(env);
    const cases: unknown[] = [
      Float32Array.of(0.1),
      Float32Array.of(0.1, 0, 0),
      Float32Array.of(NaN, 0),
      Float32Array.of(100, 0),
      Float32Array.of(0, -100),
      0.1,
      Int32Array.of(0, 0),
    ];
    for (const bad of cases) {
      expect(() => env.step(bad as Float32Array)).toThrow(SpaceError);
      expect(state(env)).toBe(before);
    }
    expect(() => env.step(Float32Array.of(100, 0))).toThrow(
      /action \[100, 0\] is not in the action space Box\(low\[\], high\[\], \[2\], float32\): element 0 = 100 is outside/,
    );
    expect(env.step(Float32Array.of(0.2, 0)).terminated).toBe(false);
  });

  it('throws EnvStateError before reset and after the episode ended', () => {
    const env = pointNav();
    expect(() => env.step(MOVE_FORWARD)).toThrow(EnvStateError);
    env.reset({ seed: 0 });
    const end = env.step(STOP);
    expect(end.terminated).toBe(true);
    expect(() => env.step(MOVE_FORWARD)).toThrow(/after the episode ended; call reset\(\) first/);
    env.reset();
    expect(() => env.step(MOVE_FORWARD)).not.toThrow();
  });

  it('pays −0.01 + geodesic progress per step, and 2.5 more for STOP within 0.2 m', () => {
    const env = pointNav();
    env.reset({ seed: 5 });
    const d0 = env.distanceToGoal;
    const r = env.step(MOVE_FORWARD);
    expect(r.reward).toBeCloseTo(-0.01 + (d0 - env.distanceToGoal), 12);
    // Turning in place: no progress, only the slack.
    const d1 = env.distanceToGoal;
    const turn = env.step(TURN_LEFT);
    expect(turn.reward).toBeCloseTo(-0.01 + (d1 - env.distanceToGoal), 12);
    // STOP far from the goal: terminated, failure, no bonus.
    const stop = env.step(STOP);
    expect(stop).toMatchObject({ terminated: true, truncated: false });
    expect(stop.reward).toBeCloseTo(-0.01, 12);
    expect(stop.info).toMatchObject({ success: 0, spl: 0, steps: 3 });

    // Start the same episode right at the goal: STOP succeeds. ℓ = 0, so SPL = 1 by definition.
    const episode = env.episode;
    const atGoal = { ...episode, start: { position: episode.goal!, yaw: 0 } };
    env.reset({ options: { episode: atGoal } });
    expect(env.distanceToGoal).toBeLessThan(0.2);
    const win = env.step(STOP);
    expect(win.reward).toBeCloseTo(-0.01 + 2.5, 12);
    expect(win.info).toMatchObject({ success: 1, spl: 1, steps: 1, pathLength: 0 });
  });

  it('scales the success reward by the path efficiency with splReward', () => {
    // The goal 0.5 m ahead; the robot steps back 0.25 m first, so it walks about twice the shortest path.
    const episode = { ...OPEN_EPISODE, goal: [0.5, 0] as [number, number], geodesicDistance: 0.5 };
    const detour = [...Array(18).fill(TURN_LEFT), MOVE_FORWARD, ...Array(18).fill(TURN_LEFT), ...Array(3).fill(MOVE_FORWARD)];
    const stopReward = (splReward: boolean) => {
      const env = pointNav({ scene: { obstacles: 0 }, splReward });
      env.reset({ options: { episode } });
      for (const action of detour) env.step(action);
      const stop = env.step(STOP);
      expect(stop.info.success).toBe(1);
      return { reward: stop.reward, spl: stop.info.spl as number };
    };
    const plain = stopReward(false);
    const scaled = stopReward(true);
    expect(scaled.spl).toBe(plain.spl);
    expect(scaled.spl).toBeLessThan(0.7);
    expect(plain.reward).toBeCloseTo(-0.01 + 2.5, 12);
    expect(scaled.reward).toBeCloseTo(-0.01 + 2.5 * scaled.spl, 12);
  });

  it('refuses splReward where a task has no goal', () => {
    expect(() => make('Explore-Easy-v0', { splReward: true })).toThrow(UsageError);
  });

  it('adds the optional collision penalty and counts collisions', () => {
    const env = pointNav({ collisionPenalty: 0.5, scene: { obstacles: 0 } });
    env.reset({ seed: 2 });
    // Face −x and drive into the arena's wall (5 × 5 m: at most 20 steps of 0.25 m).
    const start = { position: env.episode.start.position, yaw: Math.PI };
    env.reset({ options: { episode: { ...env.episode, start } } });
    let bumped = null;
    for (let t = 0; t < 25 && !bumped; t++) {
      const previous = env.distanceToGoal;
      const r = env.step(MOVE_FORWARD);
      if (r.info.collided) bumped = { r, previous };
    }
    expect(bumped).not.toBeNull();
    expect(bumped!.r.reward).toBeCloseTo(-0.01 + (bumped!.previous - env.distanceToGoal) - 0.5, 12);
    expect((bumped!.r.obs as Record<string, Float32Array>).collision![0]).toBe(1);
  });

  it('truncates at maxEpisodeSteps with the metrics in the final info', () => {
    const env = pointNav({ maxEpisodeSteps: 4 });
    env.reset({ seed: 9 });
    const results = [0, 1, 2, 3].map(() => env.step(TURN_LEFT));
    expect(results.map((r) => r.truncated)).toEqual([false, false, false, true]);
    expect(results[3]!.terminated).toBe(false);
    expect(Object.keys(results[3]!.info).sort()).toEqual(
      ['atGoal', 'collided', 'collisions', 'distanceToGoal', 'pathBearing', 'pathLength', 'softSpl', 'spl', 'steps', 'success'].sort(),
    );
    expect(results[3]!.info).toMatchObject({ success: 0, steps: 4, pathLength: 0 });
  });

  it('observes the goal as [distance, bearing] and the displacement as gps/compass in the start frame', () => {
    const env = pointNav({ scene: { obstacles: 0 } });
    const { obs } = env.reset({ options: { episode: OPEN_EPISODE } });
    const o = obs as Record<string, Float32Array>;
    // Goal 1 m ahead (+x) and 1 m to the left (−z at yaw 0): √2 m at +45°.
    expect(o.pointgoal![0]).toBeCloseTo(Math.SQRT2, 5);
    expect(o.pointgoal![1]).toBeCloseTo(Math.PI / 4, 5);
    expect(Math.abs(o.gps![0]!) + Math.abs(o.gps![1]!)).toBe(0);
    env.step(MOVE_FORWARD);
    expect(o.gps![0]).toBeCloseTo(0.25, 2);
    expect(o.gps![1]).toBeCloseTo(0, 2);
    env.step(TURN_LEFT);
    expect(o.compass![0]).toBeCloseTo((10 * Math.PI) / 180, 3);
  });

  it("gives the shortest path's bearing in every info, turning with the robot", () => {
    const env = pointNav({ scene: { obstacles: 0 } });
    // In an empty room the path runs straight to the goal, 45° to the left.
    const { info } = env.reset({ options: { episode: OPEN_EPISODE } });
    expect(info.pathBearing).toBeCloseTo(Math.PI / 4, 5);
    // A turn in place moves the bearing the other way by the turn.
    expect(env.step(TURN_LEFT).info.pathBearing).toBeCloseTo(Math.PI / 4 - (10 * Math.PI) / 180, 5);
    const done = env.step(STOP);
    expect(done.terminated).toBe(true);
    expect(typeof done.info.pathBearing).toBe('number');
  });

  it('says in every info whether STOP would succeed', () => {
    const env = pointNav({ scene: { obstacles: 0 } });
    const { info } = env.reset({ options: { episode: OPEN_EPISODE } });
    expect(info.atGoal).toBe(0);
    // Walk the √2 m straight to the goal (45° left), then STOP succeeds where atGoal said it would.
    env.step(TURN_LEFT);
    env.step(TURN_LEFT);
    env.step(TURN_LEFT);
    env.step(TURN_LEFT);
    let last = env.step(TURN_LEFT);
    for (let k = 0; k < 6 && last.info.atGoal === 0; k++) last = env.step(MOVE_FORWARD);
    expect(last.info.atGoal).toBe(1);
    expect(env.step(STOP).info.success).toBe(1);
  });

  it('gives no path bearing and no at-goal label where a task has no goal', () => {
    const explore = make('Explore-Easy-v0');
    const { info } = explore.reset({ seed: 1 });
    expect(info).not.toHaveProperty('pathBearing');
    expect(info).not.toHaveProperty('atGoal');
    const step = explore.step(MOVE_FORWARD).info;
    expect(step).not.toHaveProperty('pathBearing');
    expect(step).not.toHaveProperty('atGoal');
  });

  it('rejects unknown reset options and malformed episodes', () => {
    const env = pointNav();
    expect(() => env.reset({ seed: 0, options: { episodes: [] } })).toThrow(/unknown option "episodes"/);
    expect(() => env.reset({ options: { episode: { sceneSeed: 1, start: { position: [0, 0], yaw: 0 }, geodesicDistance: -1 } } })).toThrow(
      UsageError,
    );
  });

  it('refuses a camera that sees one value everywhere', () => {
    // Mounted 50 m up, over the walls and under no ceiling: every ray misses.
    const env = make('PointNav-Easy-v0', { camera: { mountHeight: 50 } });
    expect(() => env.reset({ seed: 0 })).toThrow(
      /every camera pixel reads depth 10 m at episode start, in all four directions: the camera sees nothing/,
    );
    // The default camera renders depth of the scene.
    const ok = make('PointNav-Easy-v0', { cameraSize: 16 });
    const depth = (ok.reset({ seed: 0 }).obs as Record<string, Float32Array>).depth!;
    expect(depth.length).toBe(256);
    expect(Math.min(...depth)).toBeLessThan(Math.max(...depth));
  });
});
