import { describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT, DiscreteAction, PhysicsWorld, wrapAngle } from '../../src/sim/PhysicsWorld.js';
import { parseSceneSpec, type SceneSpec, type SceneSpecInput } from '../../src/sim/SceneSpec.js';
import { generateScene } from '../../src/sim/generators/index.js';
import { distanceToFootprint, footprintOf } from '../../src/sim/footprint.js';
import { Rng } from '../../src/core/Rng.js';

const WALL = { color: [0.8, 0.8, 0.8] as [number, number, number], category: 2 };

/** A 10 × 10 m floor centred on the origin with the given primitives and dynamic bodies. */
function scene(
  primitives: SceneSpecInput['primitives'],
  dynamic: SceneSpecInput['dynamic'] = [],
  start: [number, number] = [0, 0],
): SceneSpec {
  return parseSceneSpec({
    version: 1,
    categories: ['void', 'floor', 'wall', 'obstacle'],
    floor: { min: [-5, -5], max: [5, 5], material: { color: [0.5, 0.5, 0.5], category: 1 } },
    primitives,
    dynamic,
    lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
    start: { position: start, yaw: 0 },
  });
}

/** A wall whose near face is the plane x = 2 m, spanning z ∈ [−3, 3]. */
const wallAtX2 = {
  shape: 'box' as const,
  position: [2.1, 1, 0] as [number, number, number],
  size: [0.2, 2, 6] as [number, number, number],
  material: WALL,
};

describe('PhysicsWorld: discrete actions in free space', () => {
  it('MOVE_FORWARD moves 0.25 m along the heading; turns are exactly 10°; STOP holds still', () => {
    const world = new PhysicsWorld(scene([]));
    const rng = new Rng(0);
    world.reset({ position: [0.5, -0.5], yaw: 0.3 }, rng);
    world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
    // Forward at yaw θ is (cos θ, −sin θ) on the ground plane.
    expect(world.pose.x).toBeCloseTo(0.5 + 0.25 * Math.cos(0.3), 9);
    expect(world.pose.z).toBeCloseTo(-0.5 - 0.25 * Math.sin(0.3), 9);
    expect(world.pose.yaw).toBe(0.3);
    expect(world.collided).toBe(false);
    const { x, z } = world.pose;
    world.stepDiscrete(DiscreteAction.TURN_LEFT, rng);
    expect(world.pose.yaw).toBeCloseTo(0.3 + Math.PI / 18, 12);
    expect([world.pose.x, world.pose.z]).toEqual([x, z]);
    world.stepDiscrete(DiscreteAction.TURN_RIGHT, rng);
    world.stepDiscrete(DiscreteAction.TURN_RIGHT, rng);
    expect(world.pose.yaw).toBeCloseTo(0.3 - Math.PI / 18, 12);
    world.stepDiscrete(DiscreteAction.STOP, rng);
    expect([world.pose.x, world.pose.z]).toEqual([x, z]);
  });

  it('36 left turns make a full circle and the heading stays wrapped to (−π, π]', () => {
    const world = new PhysicsWorld(scene([]));
    const rng = new Rng(0);
    for (let i = 0; i < 36; i++) {
      world.stepDiscrete(DiscreteAction.TURN_LEFT, rng);
      expect(world.pose.yaw).toBeGreaterThan(-Math.PI);
      expect(world.pose.yaw).toBeLessThanOrEqual(Math.PI);
    }
    expect(Math.abs(wrapAngle(world.pose.yaw))).toBeLessThan(1e-9);
  });

  it('honours a custom step size and rejects unknown actions and bad configs, naming them', () => {
    const world = new PhysicsWorld(scene([]), { forwardStep: 0.1, substeps: 2 });
    const rng = new Rng(0);
    world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
    expect(world.pose.x).toBeCloseTo(0.1, 9);
    expect(() => world.stepDiscrete(4, rng)).toThrow(/action must be/);
    expect(world.pose.x).toBeCloseTo(0.1, 9);
    expect(() => new PhysicsWorld(scene([]), { substeps: 0 })).toThrow(/substeps/);
    expect(() => new PhysicsWorld(scene([]), { radius: -1 })).toThrow(/radius/);
    expect(() => new PhysicsWorld(scene([]), { actuationNoise: NaN })).toThrow(/actuationNoise/);
  });
});

describe('PhysicsWorld: continuous control', () => {
  it('clamps linear and angular speed to their bounds', () => {
    const world = new PhysicsWorld(scene([]));
    const rng = new Rng(0);
    world.stepVelocity(5, 0, rng);
    expect(world.pose.x).toBeCloseTo(DEFAULT_ROBOT.maxLinear * DEFAULT_ROBOT.controlInterval, 9);
    world.stepVelocity(0, -100, rng);
    expect(world.pose.yaw).toBeCloseTo(-DEFAULT_ROBOT.maxAngular * DEFAULT_ROBOT.controlInterval, 12);
    world.reset({ position: [0, 0], yaw: 0 }, rng);
    world.stepVelocity(-0.4, 0, rng);
    expect(world.pose.x).toBeCloseTo(-0.1, 9);
  });

  it('drives an arc: constant speeds trace a circle of radius v/ω', () => {
    const world = new PhysicsWorld(scene([]), { substeps: 8 });
    const rng = new Rng(0);
    const v = 0.5;
    const w = 0.5;
    for (let i = 0; i < 8; i++) world.stepVelocity(v, w, rng);
    // Turning left from yaw 0 at the origin: the centre of the circle is at (0, −v/ω).
    const r = v / w;
    expect(Math.hypot(world.pose.x, world.pose.z + r)).toBeCloseTo(r, 3);
    expect(world.pose.yaw).toBeCloseTo(8 * w * 0.25, 9);
  });

  it('rejects non-finite commands and keeps the pose', () => {
    const world = new PhysicsWorld(scene([]));
    const rng = new Rng(0);
    expect(() => world.stepVelocity(NaN, 0, rng)).toThrow(/finite/);
    expect(() => world.stepVelocity(0, Infinity, rng)).toThrow(/finite/);
    expect(world.pose).toEqual({ x: 0, z: 0, yaw: 0 });
  });
});

describe('PhysicsWorld: collisions', () => {
  it('driving into a wall stops at the wall and never enters it', () => {
    const world = new PhysicsWorld(scene([wallAtX2]));
    const rng = new Rng(0);
    let collisions = 0;
    for (let i = 0; i < 20; i++) {
      world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
      // The robot's disc may sink at most one substep (6.25 cm) into the face; its centre stays well out.
      expect(world.pose.x).toBeLessThan(2 - DEFAULT_ROBOT.radius + 0.0625);
      if (world.collided) collisions++;
    }
    expect(world.pose.x).toBeGreaterThan(2 - DEFAULT_ROBOT.radius - 0.03);
    expect(world.pose.z).toBeCloseTo(0, 6);
    expect(collisions).toBeGreaterThanOrEqual(12);
    // Turning while touching the wall is not a collision; driving away from it works.
    world.stepDiscrete(DiscreteAction.TURN_LEFT, rng);
    expect(world.collided).toBe(false);
    world.reset({ position: [1.5, 0], yaw: Math.PI }, rng);
    world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
    expect(world.pose.x).toBeCloseTo(1.25, 9);
    expect(world.collided).toBe(false);
  });

  it('slides along a wall when driving into it at an angle', () => {
    const world = new PhysicsWorld(scene([wallAtX2]));
    const rng = new Rng(0);
    const yaw = (-50 * Math.PI) / 180; // 50° right of +x: mostly into the wall, partly along +z
    world.reset({ position: [1.7, -1], yaw }, rng);
    const z0 = world.pose.z;
    for (let i = 0; i < 6; i++) world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
    expect(world.collided).toBe(true);
    expect(world.pose.x).toBeLessThan(2 - DEFAULT_ROBOT.radius + 0.03);
    // The along-wall component, 0.25·sin 50° per step, survives the contact.
    const along = 0.25 * Math.sin(-yaw);
    expect(world.pose.z - z0).toBeGreaterThan(6 * along * 0.95);
    expect(world.pose.z - z0).toBeLessThan(6 * along * 1.05);
  });

  it('the floor edge is a fence', () => {
    const world = new PhysicsWorld(scene([]));
    const rng = new Rng(0);
    world.reset({ position: [4.5, 0], yaw: 0 }, rng);
    for (let i = 0; i < 8; i++) world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
    expect(world.pose.x).toBeLessThan(5 - DEFAULT_ROBOT.radius + 0.07);
    expect(world.collided).toBe(true);
  });

  it('a random walk through a furnished apartment never puts the robot centre inside an obstacle', () => {
    const spec = generateScene('rooms', { seed: 3 });
    const world = new PhysicsWorld(spec);
    const rng = new Rng(11);
    const footprints = spec.primitives.map((p) => footprintOf(p, DEFAULT_ROBOT.height)).filter((f) => f !== null);
    let worst = Infinity;
    let collisions = 0;
    for (let i = 0; i < 3000; i++) {
      world.stepDiscrete(rng.random() < 0.6 ? DiscreteAction.MOVE_FORWARD : 2 + rng.int(2), rng);
      if (world.collided) collisions++;
      for (const f of footprints) worst = Math.min(worst, distanceToFootprint(f, world.pose.x, world.pose.z));
    }
    expect(collisions).toBeGreaterThan(0);
    // Clearance from the centre to any obstacle: the radius less at most one substep of overlap.
    expect(worst).toBeGreaterThan(DEFAULT_ROBOT.radius - 0.0625);
  });
});

describe('PhysicsWorld: dynamic bodies', () => {
  const ball = (x: number, z: number, motion: NonNullable<SceneSpecInput['dynamic']>[number]['motion'], mass = 3) => ({
    primitive: {
      shape: 'sphere' as const,
      position: [x, 0.2, z] as [number, number, number],
      radius: 0.2,
      material: { color: [1, 0, 0] as [number, number, number], category: 3 },
    },
    mass,
    motion,
  });

  it('a bouncing body moves at its speed and reflects off a wall', () => {
    const world = new PhysicsWorld(scene([wallAtX2], [ball(0, 2, { type: 'bounce', velocity: [0.8, 0] })], [0, -3]));
    const rng = new Rng(0);
    world.stepDiscrete(DiscreteAction.STOP, rng);
    expect(world.dynamicPoses[0]).toBeCloseTo(0.2, 6);
    expect(world.dynamicPoses[1]).toBeCloseTo(0.2, 6);
    let maxX = 0;
    for (let i = 0; i < 20; i++) {
      world.stepDiscrete(DiscreteAction.STOP, rng);
      maxX = Math.max(maxX, world.dynamicPoses[0]!);
    }
    // It reached the wall (face at x = 2, ball radius 0.2) and came back.
    expect(maxX).toBeGreaterThan(1.7);
    expect(maxX).toBeLessThan(1.85);
    expect(world.dynamicPoses[0]).toBeLessThan(maxX - 1);
    expect(world.dynamicPoses[2]).toBeCloseTo(2, 3);
  });

  it('a patrolling body visits its waypoints and pushes a stopped robot out of its way', () => {
    const patrol = {
      type: 'patrol' as const,
      waypoints: [
        [-2, 0],
        [2, 0],
      ] as Array<[number, number]>,
      speed: 0.8,
    };
    const world = new PhysicsWorld(scene([], [ball(-2, 0, patrol)], [0, 0.1]));
    const rng = new Rng(0);
    let collided = false;
    for (let i = 0; i < 20; i++) {
      world.stepDiscrete(DiscreteAction.STOP, rng);
      collided ||= world.collided;
    }
    // 20 steps × 0.25 s × 0.8 m/s = 4 m: exactly at the far waypoint.
    expect(world.dynamicPoses[0]).toBeCloseTo(2, 5);
    expect(world.dynamicPoses[2]).toBeCloseTo(0, 6);
    expect(collided).toBe(true);
    // The robot, 0.1 m off the patrol line, was shoved sideways (+z) to clear the ball.
    expect(world.pose.z).toBeGreaterThan(0.1 + 0.05);
    for (let i = 0; i < 10; i++) world.stepDiscrete(DiscreteAction.STOP, rng);
    expect(world.dynamicPoses[0]).toBeCloseTo(0, 5);
  });

  it('the robot pushes a free box, which then slows down and stops', () => {
    const box = {
      primitive: {
        shape: 'box' as const,
        position: [0.6, 0.2, 0] as [number, number, number],
        size: [0.4, 0.4, 0.4] as [number, number, number],
        material: { color: [0, 0, 1] as [number, number, number], category: 3 },
      },
      mass: 2,
      motion: { type: 'free' as const },
    };
    const world = new PhysicsWorld(scene([], [box]));
    const rng = new Rng(0);
    for (let i = 0; i < 6; i++) world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
    expect(world.dynamicPoses[0]).toBeGreaterThan(0.6 + 1);
    expect(world.pose.x).toBeGreaterThan(1.2);
    const pushedTo = world.dynamicPoses[0]!;
    for (let i = 0; i < 40; i++) world.stepDiscrete(DiscreteAction.STOP, rng);
    const restX = world.dynamicPoses[0]!;
    expect(restX).toBeGreaterThan(pushedTo);
    world.stepDiscrete(DiscreteAction.STOP, rng);
    expect(world.dynamicPoses[0]).toBeCloseTo(restX, 3);
    // reset puts it back.
    world.reset({ position: [0, 0], yaw: 0 }, rng);
    expect(world.dynamicPoses[0]).toBeCloseTo(0.6, 6);
  });
});

describe('PhysicsWorld: determinism and noise', () => {
  function trajectory(seed: number, noise: number): number[] {
    const spec = generateScene('rooms', { seed: 2, dynamic: 3 });
    const world = new PhysicsWorld(spec, { actuationNoise: noise });
    const rng = new Rng(seed);
    world.reset(spec.start, rng);
    const out: number[] = [];
    for (let i = 0; i < 300; i++) {
      world.stepDiscrete(rng.random() < 0.6 ? 1 : 2 + rng.int(2), rng);
      out.push(world.pose.x, world.pose.z, world.pose.yaw, ...world.dynamicPoses);
    }
    return out;
  }

  it('same seed → the same trajectory, bit for bit; another seed differs', () => {
    const a = trajectory(5, 0.1);
    expect(trajectory(5, 0.1)).toEqual(a);
    expect(trajectory(6, 0.1)).not.toEqual(a);
  });

  it('reset restores the whole world: a reused world replays a fresh one bit for bit', () => {
    const spec = generateScene('arena', { seed: 4, dynamic: 3 });
    const run = (world: PhysicsWorld): number[] => {
      const rng = new Rng(9);
      world.reset(spec.start, rng);
      const out: number[] = [];
      for (let i = 0; i < 200; i++) {
        world.stepDiscrete(rng.random() < 0.7 ? 1 : 2 + rng.int(2), rng);
        out.push(world.pose.x, world.pose.z, world.pose.yaw, ...world.dynamicPoses);
      }
      return out;
    };
    const reused = new PhysicsWorld(spec);
    run(reused);
    expect(run(reused)).toEqual(run(new PhysicsWorld(spec)));
  });

  it('actuation noise scatters the forward step around 0.25 m', () => {
    const world = new PhysicsWorld(scene([]), { actuationNoise: 0.1 });
    const rng = new Rng(3);
    const steps: number[] = [];
    for (let i = 0; i < 200; i++) {
      world.reset({ position: [0, 0], yaw: 0 }, rng);
      world.stepDiscrete(DiscreteAction.MOVE_FORWARD, rng);
      steps.push(world.pose.x);
    }
    const mean = steps.reduce((a, b) => a + b) / steps.length;
    const sd = Math.sqrt(steps.reduce((a, b) => a + (b - mean) ** 2, 0) / steps.length);
    expect(mean).toBeGreaterThan(0.24);
    expect(mean).toBeLessThan(0.26);
    // Expected sd = 0.1 × 0.25 m = 0.025 m.
    expect(sd).toBeGreaterThan(0.018);
    expect(sd).toBeLessThan(0.032);
  });
});
