/**
 * Test fixtures for the server: a hand-written scene and a small navigation env that exposes
 * what NavEnv exposes to the viewer (`scene`, `world.pose`, `world.dynamicPoses`, `world.collided`,
 * `geodesic`), with trivial kinematics so the tests need neither physics nor a renderer.
 */
import type { Env, ResetResult, StepResult } from '../../src/core/Env.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { parseSceneSpec, type SceneSpec } from '../../src/sim/SceneSpec.js';

export function testScene(seed = 1): SceneSpec {
  const wall = { color: [0.8, 0.8, 0.75], category: 2 } as const;
  return parseSceneSpec({
    version: 1,
    generator: { name: 'test', seed },
    categories: ['void', 'floor', 'wall', 'obstacle', 'chair'],
    floor: {
      min: [0, 0],
      max: [6, 6],
      material: { color: [0.5, 0.45, 0.4], pattern: { type: 'checker', scale: 0.5, color2: [0.3, 0.3, 0.3] }, category: 1 },
    },
    primitives: [
      { shape: 'box', position: [3, 0.5, -0.05], size: [6, 1, 0.1], material: wall },
      { shape: 'box', position: [3, 0.5, 6.05], size: [6, 1, 0.1], material: wall },
      {
        shape: 'box',
        position: [-0.05, 0.5, 3],
        size: [0.1, 1, 6],
        material: { ...wall, pattern: { type: 'stripes', scale: 0.25, color2: [0.6, 0.2, 0.2] } },
      },
      {
        shape: 'box',
        position: [6.05, 0.5, 3],
        size: [0.1, 1, 6],
        material: { ...wall, pattern: { type: 'noise', scale: 0.3, color2: [0.2, 0.4, 0.7] } },
      },
      {
        shape: 'box',
        position: [3, 0.4, 3],
        size: [1, 0.8, 0.6],
        yaw: 0.4,
        material: { color: [0.9, 0.3, 0.2], category: 3, instance: 1 },
      },
      {
        shape: 'cylinder',
        position: [1.5, 0.35, 4.5],
        radius: 0.3,
        height: 0.7,
        material: { color: [0.2, 0.7, 0.3], category: 4, instance: 2 },
      },
    ],
    dynamic: [
      {
        primitive: {
          shape: 'sphere',
          position: [4.5, 0.25, 1.5],
          radius: 0.25,
          material: { color: [0.9, 0.9, 0.1], category: 3, instance: 3 },
        },
        mass: 1,
        motion: { type: 'bounce', velocity: [0.3, 0] },
      },
    ],
    lighting: { ambient: 0.4, direction: [0.3, 1, 0.2], intensity: 0.6 },
    start: { position: [1, 1], yaw: 0 },
    goals: [{ position: [5, 5] }],
  });
}

export interface FakeNavEnvOptions {
  /** Camera width and height (pixels). @default 8 */
  size?: number;
  /** Steps before truncation. @default 50 */
  maxSteps?: number;
}

type FakeObs = { rgb: Uint8Array; depth: Float32Array; pointgoal: Float32Array };

/**
 * Moves 0.25 m per MOVE_FORWARD and turns 10° per TURN_*, clamped to the floor; terminates on
 * STOP or within 0.3 m of the goal; reward = decrease of the straight-line distance to the goal.
 * Frames encode the step count so tests can tell them apart.
 */
export class FakeNavEnv implements Env<FakeObs, number> {
  readonly observationSpace: Dict;
  readonly actionSpace = new Discrete(4);
  readonly scene: SceneSpec;
  readonly world = { pose: { x: 0, z: 0, yaw: 0 }, dynamicPoses: new Float32Array(4), collided: false };
  readonly geodesic = {
    distance: (x: number, z: number): number => Math.hypot(x - this.goal[0], z - this.goal[1]),
    shortestPath: (x: number, z: number): Array<[number, number]> => [
      [x, z],
      [this.goal[0], this.goal[1]],
    ],
  };
  private readonly obs: FakeObs;
  private readonly goal: [number, number];
  private readonly maxSteps: number;
  private t = 0;

  constructor(options: FakeNavEnvOptions = {}) {
    const size = options.size ?? 8;
    this.maxSteps = options.maxSteps ?? 50;
    this.scene = testScene();
    this.goal = this.scene.goals[0]!.position;
    this.observationSpace = new Dict({
      rgb: new Box(0, 255, [size, size, 3], 'uint8'),
      depth: new Box(0, 10, [size, size, 1]),
      pointgoal: new Box(-100, 100, [2]),
    });
    this.obs = { rgb: new Uint8Array(size * size * 3), depth: new Float32Array(size * size), pointgoal: new Float32Array(2) };
  }

  reset(): ResetResult<FakeObs> {
    this.t = 0;
    const s = this.scene.start;
    Object.assign(this.world.pose, { x: s.position[0], z: s.position[1], yaw: s.yaw });
    this.world.dynamicPoses.set([4.5, 0.25, 1.5, 0]);
    this.world.collided = false;
    this.observe();
    return { obs: this.obs, info: {} };
  }

  step(action: number): StepResult<FakeObs> {
    const p = this.world.pose;
    const before = this.geodesic.distance(p.x, p.z);
    this.t += 1;
    if (action === 1) {
      const x = p.x + 0.25 * Math.cos(p.yaw);
      const z = p.z - 0.25 * Math.sin(p.yaw);
      this.world.collided = x < 0.2 || x > 5.8 || z < 0.2 || z > 5.8;
      p.x = Math.min(5.8, Math.max(0.2, x));
      p.z = Math.min(5.8, Math.max(0.2, z));
    } else {
      this.world.collided = false;
      if (action === 2) p.yaw += Math.PI / 18;
      if (action === 3) p.yaw -= Math.PI / 18;
    }
    this.world.dynamicPoses[0] = 4.5 + 0.01 * this.t;
    const distance = this.geodesic.distance(p.x, p.z);
    const success = distance < 0.3;
    const terminated = action === 0 || success;
    const truncated = !terminated && this.t >= this.maxSteps;
    this.observe();
    const info: Record<string, unknown> = { distanceToGoal: distance };
    if (terminated || truncated) Object.assign(info, { success: success ? 1 : 0, spl: success ? 0.8 : 0, steps: this.t });
    return { obs: this.obs, reward: before - distance, terminated, truncated, info };
  }

  close(): void {}

  private observe(): void {
    this.obs.rgb.fill(this.t % 256);
    this.obs.depth.fill(this.t / 10);
    this.obs.pointgoal.set([this.geodesic.distance(this.world.pose.x, this.world.pose.z), 0]);
  }
}

/** 26 actions: turn 50° right towards the goal at (5, 5), walk 5 m, STOP (the episode terminates). */
export function scriptedActions(): number[] {
  return [3, 3, 3, 3, 3, ...Array<number>(20).fill(1), 0];
}
