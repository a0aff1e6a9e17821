/**
 * The physics speed benchmark: a robot taking random discrete actions (60 % MOVE_FORWARD) in a
 * generated scene, timed without camera or task. It isolates the PhysicsWorld share of an env
 * step; the budget for physics + task is 50 µs (20,000 steps/s on one core).
 */
import { Rng } from '../core/Rng.js';
import { generateScene, type GeneratorName } from './generators/index.js';
import { DiscreteAction, PhysicsWorld, type RobotConfig } from './PhysicsWorld.js';

export interface PhysicsBenchOptions {
  /** Scene generator. @default 'rooms' */
  generator: GeneratorName;
  /** Scene and action seed. @default 1 */
  seed: number;
  /** Timed steps. @default 100000 */
  steps: number;
  /** Untimed steps first (JIT warm-up). @default 20000 */
  warmup: number;
  /** Moving obstacles in the scene. @default 0 */
  dynamic: number;
  /** Robot overrides (substeps, control interval, …). */
  robot: Partial<RobotConfig>;
}

export const DEFAULT_PHYSICS_BENCH: PhysicsBenchOptions = { generator: 'rooms', seed: 1, steps: 100_000, warmup: 20_000, dynamic: 0, robot: {} };

export interface PhysicsBenchResult {
  generator: GeneratorName;
  primitives: number;
  dynamic: number;
  substeps: number;
  steps: number;
  /** Wall-clock microseconds per step. */
  usPerStep: number;
  stepsPerSec: number;
  /** Fraction of steps with `collided` set. */
  collisionRate: number;
}

export function runPhysicsBench(options: Partial<PhysicsBenchOptions> = {}): PhysicsBenchResult {
  const o = { ...DEFAULT_PHYSICS_BENCH, ...options };
  const spec = generateScene(o.generator, { seed: o.seed, dynamic: o.dynamic });
  const world = new PhysicsWorld(spec, o.robot);
  const rng = new Rng(o.seed);
  let collisions = 0;
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      world.stepDiscrete(rng.random() < 0.6 ? DiscreteAction.MOVE_FORWARD : DiscreteAction.TURN_LEFT + rng.int(2), rng);
      if (world.collided) collisions++;
    }
  };
  run(o.warmup);
  collisions = 0;
  const t0 = process.hrtime.bigint();
  run(o.steps);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    generator: o.generator,
    primitives: spec.primitives.length,
    dynamic: spec.dynamic.length,
    substeps: world.robot.substeps,
    steps: o.steps,
    usPerStep: Math.round((seconds / o.steps) * 1e8) / 100,
    stepsPerSec: Math.round(o.steps / seconds),
    collisionRate: Math.round((collisions / o.steps) * 1000) / 1000,
  };
}
