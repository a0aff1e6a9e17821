/**
 * PhysicsWorld: a cannon-es world built from a SceneSpec, with a cylindrical differential-drive
 * robot driven by velocity commands over a control interval split into physics substeps, so it
 * collides with walls and furniture, slides along them and pushes (and is pushed by) dynamic bodies.
 *
 * The world is planar. Everything that can touch the robot stands on the floor, and the robot never
 * tips, so collisions are 2-D: every body lives on the plane y = 0 of the cannon world with motion
 * locked to x and z. A box becomes a box (its footprint rectangle), a cylinder or sphere a sphere
 * (a disc in the plane), the robot a sphere of its radius. Two gains: contacts are the exact 2-D
 * contacts of the footprints, and cannon uses its cheap sphere–sphere and sphere–box narrowphase
 * instead of the general convex one. The robot's heading is integrated analytically (its disc is
 * symmetric), so a turn is exactly the commanded angle; its translation is the physics result.
 *
 * Speed (a 50-primitive apartment, ~12 µs per 4-substep step on one core): static bodies live
 * outside world.bodies and are found through a grid broadphase (PlanarBroadphase); cannon's
 * contact-pair matrix is a typed array and its overlap keepers (used only for contact events) are
 * silenced. robonav's step code allocates nothing; cannon itself still makes a little garbage per
 * contact (it empties and refills its per-substep arrays).
 *
 * Contacts are soft: on impact the robot's disc may sink up to one substep's travel (6.25 cm at
 * 1 m/s with 4 substeps) into an obstacle before the solver pushes it out; pressing on, it rests
 * about 1.6 cm in. Its centre never comes near the obstacle. `collided` is set when the robot drove
 * into an obstacle or a moving body touched it during the step (turning while touching a wall is
 * not a collision).
 *
 * Control: each step holds a commanded (linear m/s, angular rad/s) for `controlInterval` s split
 * into `substeps`. Discrete actions are such commands: MOVE_FORWARD = forwardStep / controlInterval
 * m/s (exactly forwardStep m in free space), TURN_LEFT/RIGHT = ±turnStep / controlInterval rad/s
 * (exactly turnStep rad). Each substep sets the robot's velocity along the mid-substep heading;
 * the contact solver removes the part pointing into obstacles, which is the sliding.
 */
import { ArrayCollisionMatrix, Body, Box, Sphere, Vec3, World, type ContactEquation, type Shape } from 'cannon-es';
import type { Rng } from '../core/Rng.js';
import type { DynamicBody, SceneSpec } from './SceneSpec.js';
import { footprintBounds, footprintOf, type Footprint } from './footprint.js';
import { PlanarBroadphase } from './PlanarBroadphase.js';

/** The robot's size (m), step sizes (m, rad), top speeds (m/s, rad/s), control interval (s) and actuation noise. */
export interface RobotConfig {
  /** Robot radius (m). @default 0.18 */
  radius: number;
  /** Robot height (m): primitives wholly above it do not block. @default 0.6 */
  height: number;
  /** Distance (m) of one MOVE_FORWARD in free space. @default 0.25 */
  forwardStep: number;
  /** Angle (rad) of one TURN_LEFT / TURN_RIGHT. @default 10° */
  turnStep: number;
  /** Bound (m/s) on |linear| for continuous control. @default 1 */
  maxLinear: number;
  /** Bound (rad/s) on |angular| for continuous control. @default π/2 */
  maxAngular: number;
  /** Simulated time (s) per step. @default 0.25 */
  controlInterval: number;
  /** Physics substeps per step; more substeps mean less overlap on impact (≤ speed·interval/substeps m). @default 4 */
  substeps: number;
  /** Standard deviation of the multiplicative noise on the commanded linear and angular speeds. @default 0 */
  actuationNoise: number;
  /** Robot mass (kg): how hard it pushes free bodies. @default 20 */
  mass: number;
}

/** The default robot: 0.18 m radius, 0.25 m forward steps, 10° turns, 1 m/s and π/2 rad/s top speeds, 0.25 s control interval. */
export const DEFAULT_ROBOT: RobotConfig = {
  radius: 0.18,
  height: 0.6,
  forwardStep: 0.25,
  turnStep: (10 * Math.PI) / 180,
  maxLinear: 1,
  maxAngular: Math.PI / 2,
  controlInterval: 0.25,
  substeps: 4,
  actuationNoise: 0,
  mass: 20,
};

/** The four discrete actions of the navigation tasks, by index. */
export const DiscreteAction = { STOP: 0, MOVE_FORWARD: 1, TURN_LEFT: 2, TURN_RIGHT: 3 } as const;
export type DiscreteAction = (typeof DiscreteAction)[keyof typeof DiscreteAction];

/** Linear damping of free bodies (fraction of speed lost per second): floor friction, roughly. */
const FREE_DAMPING = 0.9;
/** Thickness (m) of the invisible fence around the floor rectangle. */
const FENCE = 1;
/** Commanded speed (m/s) into a wall's normal above which a touch counts as a collision. */
const PRESS_EPS = 1e-6;

const motionKind = { free: 0, bounce: 1, patrol: 2 } as const;

const yAxis = new Vec3(0, 1, 0);
// Step scratch, in typed arrays rather than passed as arguments: doubles passed to a call that is
// not inlined get boxed, which would allocate every step.
/** The commanded [linear m/s, angular rad/s] of the current step. */
const speeds = new Float64Array(2);
/** The robot's commanded ground velocity [vx, vz] (m/s) in the current substep. */
const command = new Float64Array(2);

/**
 * The cannon-es world of a SceneSpec with a differential-drive robot in it, stepped by velocity
 * commands (m/s, rad/s) over a control interval; collisions are 2-D, on the floor plane.
 */
export class PhysicsWorld {
  readonly robot: RobotConfig;
  /** Robot pose after the last step: ground position (m) and heading (rad). */
  readonly pose = { x: 0, z: 0, yaw: 0 };
  /** [x, y, z, yaw] per SceneSpec.dynamic entry (m, m, m, rad). */
  readonly dynamicPoses: Float32Array;
  /** The cannon world (for inspection; robonav drives it only through this class). */
  readonly world: World;
  private _collided = false;
  private readonly robotBody: Body;
  private readonly dynamicBodies: Body[] = [];
  private readonly dynamicSpecs: readonly DynamicBody[];
  /** Per dynamic body: motionKind. */
  private readonly kinds: Uint8Array;
  /** Bounce bodies: their current ground velocity [vx, vz] (m/s); reflected on contact. */
  private readonly bounceVelocity: Float64Array;
  /** Patrol bodies: index of the waypoint they head for. */
  private readonly patrolTarget: Int32Array;

  constructor(spec: SceneSpec, robot: Partial<RobotConfig> = {}) {
    this.robot = { ...DEFAULT_ROBOT, ...robot };
    validateRobot(this.robot);
    const cfg = this.robot;

    // Statics: every primitive that reaches into the robot's height band, plus a fence around the floor.
    const statics: Body[] = [];
    const staticBounds: Array<[number, number, number, number]> = [];
    const addStatic = (f: Footprint): void => {
      const body = new Body({ type: Body.STATIC, mass: 0, shape: footprintShape(f), position: new Vec3(f.x, 0, f.z) });
      if (f.kind === 'rect') body.quaternion.setFromAxisAngle(yAxis, f.yaw);
      statics.push(body);
      staticBounds.push(footprintBounds(f, 0));
    };
    for (const p of spec.primitives) {
      const f = footprintOf(p, cfg.height);
      if (f !== null) addStatic(f);
    }
    const [minX, minZ] = spec.floor.min;
    const [maxX, maxZ] = spec.floor.max;
    const w = maxX - minX;
    const d = maxZ - minZ;
    const fence = (x: number, z: number, hx: number, hz: number): void => addStatic({ kind: 'rect', x, z, halfX: hx, halfZ: hz, yaw: 0 });
    fence(minX - FENCE / 2, (minZ + maxZ) / 2, FENCE / 2, d / 2 + FENCE);
    fence(maxX + FENCE / 2, (minZ + maxZ) / 2, FENCE / 2, d / 2 + FENCE);
    fence((minX + maxX) / 2, minZ - FENCE / 2, w / 2 + FENCE, FENCE / 2);
    fence((minX + maxX) / 2, maxZ + FENCE / 2, w / 2 + FENCE, FENCE / 2);

    // Movers: the robot first, then the scene's dynamic bodies in spec order.
    this.robotBody = new Body({
      mass: cfg.mass,
      shape: new Sphere(cfg.radius),
      position: new Vec3(spec.start.position[0], 0, spec.start.position[1]),
      linearFactor: new Vec3(1, 0, 1),
      angularFactor: new Vec3(0, 0, 0),
      fixedRotation: true,
      linearDamping: 0,
      angularDamping: 0,
      allowSleep: false,
    });
    const movers: Body[] = [this.robotBody];
    const radii: number[] = [cfg.radius];
    this.dynamicSpecs = spec.dynamic;
    const n = spec.dynamic.length;
    this.kinds = new Uint8Array(n);
    this.bounceVelocity = new Float64Array(2 * n);
    this.patrolTarget = new Int32Array(n);
    this.dynamicPoses = new Float32Array(4 * n);
    spec.dynamic.forEach((dyn, i) => {
      // Dynamic bodies always collide, whatever their height: they are obstacles that move.
      const f = footprintOf(dyn.primitive, Infinity)!;
      const kind = motionKind[dyn.motion.type];
      this.kinds[i] = kind;
      const body = new Body({
        type: kind === motionKind.patrol ? Body.KINEMATIC : Body.DYNAMIC,
        mass: kind === motionKind.patrol ? 0 : dyn.mass,
        shape: footprintShape(f),
        linearFactor: new Vec3(1, 0, 1),
        angularFactor: new Vec3(0, 1, 0),
        linearDamping: kind === motionKind.free ? FREE_DAMPING : 0,
        angularDamping: kind === motionKind.free ? FREE_DAMPING : 0,
        allowSleep: kind === motionKind.free,
      });
      body.sleepSpeedLimit = 0.02;
      body.sleepTimeLimit = 0.5;
      this.dynamicBodies.push(body);
      movers.push(body);
      // Bounding radius about the centre, covering any rotation of the footprint.
      radii.push(f.kind === 'rect' ? Math.hypot(f.halfX, f.halfZ) : f.radius);
    });

    this.world = new World({
      gravity: new Vec3(0, 0, 0),
      allowSleep: true,
      broadphase: new PlanarBroadphase(statics, staticBounds, movers, Float64Array.from(radii)),
    });
    // Frictionless contacts: the robot slides along walls instead of sticking to them.
    this.world.defaultContactMaterial.friction = 0;
    this.world.defaultContactMaterial.restitution = 0;
    // Statics stay out of world.bodies on purpose: cannon loops over world.bodies five times per
    // substep (forces, solver masses, damping, integration, sleep), and with ~60 walls and pieces of
    // furniture those loops cost more than the contacts. The broadphase hands statics to the
    // narrowphase directly; with zero inverse mass they need nothing else from the world.
    for (const b of movers) this.world.addBody(b);
    this.world.collisionMatrix = new TypedCollisionMatrix(this.world.bodies.length);
    this.world.collisionMatrixPrevious = new TypedCollisionMatrix(this.world.bodies.length);
    this.world.bodyOverlapKeeper = silentOverlapKeeper();
    this.world.shapeOverlapKeeper = silentOverlapKeeper();

    this.resetDynamics();
    this.placeRobot(spec.start.position[0], spec.start.position[1], spec.start.yaw);
  }

  /** True when, during the last step, the robot drove into an obstacle or a moving body touched it. */
  get collided(): boolean {
    return this._collided;
  }

  /** Put the robot at `pose` (standing still) and every dynamic body back at its start. */
  reset(pose: { position: [number, number]; yaw: number }, _rng: Rng): void {
    if (!Number.isFinite(pose.position[0]) || !Number.isFinite(pose.position[1]) || !Number.isFinite(pose.yaw)) {
      throw new RangeError(`PhysicsWorld.reset: pose must be finite, got ${JSON.stringify(pose)}`);
    }
    this.resetDynamics();
    this.placeRobot(pose.position[0], pose.position[1], pose.yaw);
  }

  /** One discrete action (DiscreteAction); STOP holds still while the rest of the world moves on. */
  stepDiscrete(action: number, rng: Rng): void {
    const { forwardStep, turnStep, controlInterval: T } = this.robot;
    switch (action) {
      case DiscreteAction.STOP:
        speeds[0] = 0;
        speeds[1] = 0;
        break;
      case DiscreteAction.MOVE_FORWARD:
        speeds[0] = forwardStep / T;
        speeds[1] = 0;
        break;
      case DiscreteAction.TURN_LEFT:
        speeds[0] = 0;
        speeds[1] = turnStep / T;
        break;
      case DiscreteAction.TURN_RIGHT:
        speeds[0] = 0;
        speeds[1] = -turnStep / T;
        break;
      default:
        throw new RangeError(
          `PhysicsWorld.stepDiscrete: action must be 0 (STOP), 1 (MOVE_FORWARD), 2 (TURN_LEFT) or 3 (TURN_RIGHT), got ${action}`,
        );
    }
    this.advance(rng);
  }

  /** Drive at `linear` m/s and `angular` rad/s (+ = left) for one control interval, clamped to the bounds. */
  stepVelocity(linear: number, angular: number, rng: Rng): void {
    if (!Number.isFinite(linear) || !Number.isFinite(angular)) {
      throw new RangeError(`PhysicsWorld.stepVelocity: linear and angular must be finite, got ${linear}, ${angular}`);
    }
    const { maxLinear, maxAngular } = this.robot;
    speeds[0] = Math.min(maxLinear, Math.max(-maxLinear, linear));
    speeds[1] = Math.min(maxAngular, Math.max(-maxAngular, angular));
    this.advance(rng);
  }

  // ---- internals ---------------------------------------------------------------------------

  /** Hold the speeds in `speeds` for one control interval. */
  private advance(rng: Rng): void {
    const { controlInterval, substeps, actuationNoise } = this.robot;
    let v = speeds[0]!;
    let w = speeds[1]!;
    if (actuationNoise > 0) {
      v *= 1 + actuationNoise * rng.normal();
      w *= 1 + actuationNoise * rng.normal();
    }
    const dt = controlInterval / substeps;
    const body = this.robotBody;
    let yaw = this.pose.yaw;
    let touched = false;
    for (let s = 0; s < substeps; s++) {
      const heading = yaw + 0.5 * w * dt;
      command[0] = v * Math.cos(heading);
      command[1] = -v * Math.sin(heading);
      body.velocity.set(command[0]!, 0, command[1]!);
      this.driveDynamics(dt);
      this.world.step(dt);
      yaw += w * dt;
      touched = this.afterSubstep() || touched;
    }
    this.pose.x = body.position.x;
    this.pose.z = body.position.z;
    this.pose.yaw = wrapAngle(yaw);
    body.velocity.set(0, 0, 0);
    this._collided = touched;
    this.writeDynamicPoses();
  }

  /** Set the velocities of bouncing and patrolling bodies for the next substep of `dt` s. */
  private driveDynamics(dt: number): void {
    const bodies = this.dynamicBodies;
    for (let i = 0; i < bodies.length; i++) {
      const b = bodies[i]!;
      const kind = this.kinds[i]!;
      if (kind === motionKind.bounce) {
        b.velocity.set(this.bounceVelocity[2 * i]!, 0, this.bounceVelocity[2 * i + 1]!);
      } else if (kind === motionKind.patrol) {
        const motion = this.dynamicSpecs[i]!.motion as Extract<DynamicBody['motion'], { type: 'patrol' }>;
        let target = motion.waypoints[this.patrolTarget[i]!]!;
        if (Math.hypot(target[0] - b.position.x, target[1] - b.position.z) < 1e-9) {
          // Already there (at the start, or arrived last substep): head for the next one at once.
          this.patrolTarget[i] = (this.patrolTarget[i]! + 1) % motion.waypoints.length;
          target = motion.waypoints[this.patrolTarget[i]!]!;
        }
        const dx = target[0] - b.position.x;
        const dz = target[1] - b.position.z;
        const dist = Math.hypot(dx, dz);
        if (dist <= motion.speed * dt) {
          b.velocity.set(dx / dt, 0, dz / dt); // arrive exactly this substep
        } else {
          b.velocity.set((dx / dist) * motion.speed, 0, (dz / dist) * motion.speed);
        }
      }
    }
  }

  /**
   * Scan the substep's contacts and reflect bouncing bodies. Returns whether the robot collided:
   * it drove (at the commanded velocity in `command`, m/s) into a static body, or touched a moving
   * one. Resting against a wall while turning away from it is not a collision.
   */
  private afterSubstep(): boolean {
    const vx = command[0]!;
    const vz = command[1]!;
    const contacts = this.world.contacts;
    const robot = this.robotBody;
    let collided = false;
    for (let k = 0; k < contacts.length; k++) {
      const c = contacts[k]!;
      if (c.bi === robot || c.bj === robot) {
        const other = c.bi === robot ? c.bj : c.bi;
        // ni points out of bi; flip it so that n points from the robot into the other body.
        const sign = c.bi === robot ? 1 : -1;
        const into = sign * (vx * c.ni.x + vz * c.ni.z);
        if (other.type !== Body.STATIC || into > PRESS_EPS) collided = true;
      }
      this.reflect(c, c.bi, 1);
      this.reflect(c, c.bj, -1);
    }
    return collided;
  }

  /** If `body` bounces, mirror its velocity about the contact normal (sign 1: ni points away from it). */
  private reflect(c: ContactEquation, body: Body, sign: number): void {
    const i = this.dynamicBodies.indexOf(body);
    if (i < 0 || this.kinds[i] !== motionKind.bounce) return;
    const nx = sign * c.ni.x;
    const nz = sign * c.ni.z;
    const len = Math.hypot(nx, nz);
    if (len < 1e-9) return;
    const vx = this.bounceVelocity[2 * i]!;
    const vz = this.bounceVelocity[2 * i + 1]!;
    const vn = (vx * nx + vz * nz) / len;
    if (vn <= 0) return; // already moving away
    this.bounceVelocity[2 * i] = vx - (2 * vn * nx) / len;
    this.bounceVelocity[2 * i + 1] = vz - (2 * vn * nz) / len;
  }

  private placeRobot(x: number, z: number, yaw: number): void {
    const b = this.robotBody;
    b.position.set(x, 0, z);
    b.previousPosition.set(x, 0, z);
    b.velocity.set(0, 0, 0);
    b.aabbNeedsUpdate = true;
    this.pose.x = x;
    this.pose.z = z;
    this.pose.yaw = wrapAngle(yaw);
    this._collided = false;
  }

  private resetDynamics(): void {
    this.dynamicSpecs.forEach((dyn, i) => {
      const b = this.dynamicBodies[i]!;
      const [x, , z] = dyn.primitive.position;
      b.position.set(x, 0, z);
      b.previousPosition.set(x, 0, z);
      b.quaternion.setFromAxisAngle(yAxis, dyn.primitive.shape === 'box' ? dyn.primitive.yaw : 0);
      b.velocity.set(0, 0, 0);
      b.angularVelocity.set(0, 0, 0);
      b.aabbNeedsUpdate = true;
      if (dyn.motion.type === 'bounce') {
        this.bounceVelocity[2 * i] = dyn.motion.velocity[0];
        this.bounceVelocity[2 * i + 1] = dyn.motion.velocity[1];
      }
      this.patrolTarget[i] = 0;
      b.wakeUp();
    });
    this.writeDynamicPoses();
  }

  private writeDynamicPoses(): void {
    const out = this.dynamicPoses;
    for (let i = 0; i < this.dynamicBodies.length; i++) {
      const b = this.dynamicBodies[i]!;
      const q = b.quaternion;
      out[4 * i] = b.position.x;
      out[4 * i + 1] = this.dynamicSpecs[i]!.primitive.position[1];
      out[4 * i + 2] = b.position.z;
      // Rotation about +y only: q = (0, sin(θ/2), 0, cos(θ/2)).
      out[4 * i + 3] = wrapAngle(2 * Math.atan2(q.y, q.w));
    }
  }
}

/**
 * cannon's contact-pair matrix (it only drives 'collide' events) on a Uint8Array that resets with
 * one fill. Indices are shifted by one so that the statics, which are not in world.bodies
 * (index −1), share a column per mover instead of writing out of bounds.
 */
class TypedCollisionMatrix extends ArrayCollisionMatrix {
  private cells: Uint8Array;

  constructor(n: number) {
    super();
    this.cells = new Uint8Array(((n + 1) * (n + 2)) >> 1);
  }

  override get(bi: Body, bj: Body): number {
    const i = Math.max(bi.index, bj.index) + 1;
    const j = Math.min(bi.index, bj.index) + 1;
    return this.cells[((i * (i + 1)) >> 1) + j]!;
  }

  override set(bi: Body, bj: Body, value: boolean): void {
    const i = Math.max(bi.index, bj.index) + 1;
    const j = Math.min(bi.index, bj.index) + 1;
    this.cells[((i * (i + 1)) >> 1) + j] = value ? 1 : 0;
  }

  override reset(): void {
    this.cells.fill(0);
  }

  override setNumObjects(n: number): void {
    const size = ((n + 1) * (n + 2)) >> 1;
    if (size > this.cells.length) this.cells = new Uint8Array(size);
  }
}

/**
 * An overlap keeper that records nothing. cannon keeps body and shape overlaps only to emit
 * 'beginContact' / 'endContact' events, which robonav does not use (it reads world.contacts), and
 * its keepers re-grow their arrays from empty every substep: measured, the largest source of
 * garbage in a step with contacts.
 */
function silentOverlapKeeper(): World['bodyOverlapKeeper'] {
  return {
    current: [],
    previous: [],
    getKey: (i: number, j: number) => (j < i ? (j << 16) | i : (i << 16) | j),
    set: () => undefined,
    tick: () => undefined,
    getDiff: (additions: number[], removals: number[]) => {
      additions.length = 0;
      removals.length = 0;
    },
  };
}

/** The cannon shape of a footprint in the planar world. */
function footprintShape(f: Footprint): Shape {
  // Boxes are 2 m tall in the plane y = 0: any height works, the motion never leaves the plane.
  return f.kind === 'rect' ? new Box(new Vec3(f.halfX, 1, f.halfZ)) : new Sphere(f.radius);
}

/** Angle wrapped to (−π, π] (rad). */
export function wrapAngle(a: number): number {
  let r = a % (2 * Math.PI);
  if (r <= -Math.PI) r += 2 * Math.PI;
  else if (r > Math.PI) r -= 2 * Math.PI;
  return r;
}

function validateRobot(r: RobotConfig): void {
  const positive: Array<keyof RobotConfig> = [
    'radius',
    'height',
    'forwardStep',
    'turnStep',
    'maxLinear',
    'maxAngular',
    'controlInterval',
    'mass',
  ];
  for (const k of positive) {
    if (!(Number.isFinite(r[k]) && r[k] > 0)) throw new RangeError(`RobotConfig.${k} must be a finite number > 0, got ${r[k]}`);
  }
  if (!Number.isInteger(r.substeps) || r.substeps < 1 || r.substeps > 100) {
    throw new RangeError(`RobotConfig.substeps must be an integer in [1, 100], got ${r.substeps}`);
  }
  if (!(Number.isFinite(r.actuationNoise) && r.actuationNoise >= 0)) {
    throw new RangeError(`RobotConfig.actuationNoise must be a finite number >= 0, got ${r.actuationNoise}`);
  }
}
