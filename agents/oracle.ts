/**
 * The oracle baseline: a shortest-path follower with privileged access to the env's scene and goal
 * set, in the discrete action set. Each step it:
 *
 * 1. calls STOP when STOP would succeed now (`NavEnv.atGoal()`);
 * 2. final approach: when one forward step after the fewest turns would land where STOP succeeds
 *    (`NavEnv.successAt`), turns that way, or steps forward if no turn is needed (without this, a
 *    goal region smaller than a step — an ObjectNav view point behind furniture — is overshot back
 *    and forth);
 * 3. otherwise turns towards the next corner of the shortest path (string-pulled over its own
 *    geodesic field) when it is off by more than half a turn step;
 * 4. otherwise moves forward.
 *
 * Why its own field: the env's field is inflated by exactly the robot radius, so its shortest paths
 * graze walls and door frames, and a discrete robot following them keeps bumping (on PointNav-v0's
 * 200 test episodes, 0.4–0.6 collisions per episode against 0.02 with the margin; success and SPL
 * are as good either way). The oracle plans on a grid inflated by `margin` more (default 5 cm); where
 * that margin closes a gap (a goal in a narrow pocket, a start tight against a wall) it plans with
 * half the margin, then with none.
 * Half a turn step (5° by default) of heading error over a 0.25 m step strays 2 cm sideways, so the
 * path stays within a few percent of the geodesic.
 */
import type { Action, Env } from '../src/core/Env.js';
import { UsageError } from '../src/core/errors.js';
import { Discrete } from '../src/core/spaces.js';
import { GeodesicField } from '../src/sim/GeodesicField.js';
import { OccupancyGrid } from '../src/sim/OccupancyGrid.js';
import { DiscreteAction, wrapAngle } from '../src/sim/PhysicsWorld.js';
import type { SceneSpec } from '../src/sim/SceneSpec.js';
import type { EpisodeSpec } from '../envs/episodes.js';
import { NavEnv } from '../envs/NavEnv.js';
import type { Policy } from '../src/core/Policy.js';

/** The oracle's planning settings. */
export interface OracleConfig {
  /** Clearance (m) kept from obstacles beyond the robot radius when planning. @default 0.05 */
  margin: number;
}

/** The oracle's defaults: 5 cm of clearance beyond the robot radius. */
export const DEFAULT_ORACLE: OracleConfig = { margin: 0.05 };

/**
 * The shortest-path baseline for navigation tasks (any `NavEnv` with the discrete actions): it reads
 * the scene and the goal set, the privileged information a learned policy never sees.
 */
export class OraclePolicy implements Policy {
  readonly name = 'oracle';
  readonly config: OracleConfig;
  private scene: SceneSpec | null = null;
  /** Planning grids, from the widest margin to none, and their fields for the current episode (lazily). */
  private grids: OccupancyGrid[] = [];
  private fields: Array<GeodesicField | null> = [];
  private episode: EpisodeSpec | null = null;

  constructor(config: Partial<OracleConfig> = {}) {
    this.config = { ...DEFAULT_ORACLE, ...config };
    if (!(this.config.margin >= 0)) throw new RangeError(`OraclePolicy: margin must be ≥ 0 m, got ${this.config.margin}`);
  }

  reset(): void {
    this.episode = null;
  }

  act(_obs: unknown, env: Env): Action {
    if (!(env instanceof NavEnv))
      throw new UsageError('the oracle policy needs a robonav navigation env (it reads the scene and the goal)');
    if (!(env.actionSpace instanceof Discrete))
      throw new UsageError(`the oracle policy drives with discrete actions; ${env.task.id} was made with continuous: true`);
    if (env.geodesic === null) throw new UsageError(`the oracle policy needs a goal; ${env.task.id} has none`);
    if (env.atGoal()) return DiscreteAction.STOP;
    const { x, z, yaw } = env.world.pose;
    const approach = finalApproach(env, x, z, yaw);
    if (approach !== null) return approach;
    const heading = this.heading(env, x, z);
    // No way to the goal from here: stopping ends a hopeless episode early.
    if (Number.isNaN(heading)) return DiscreteAction.STOP;
    const error = wrapAngle(heading - yaw);
    if (Math.abs(error) > env.robot.turnStep / 2) return error > 0 ? DiscreteAction.TURN_LEFT : DiscreteAction.TURN_RIGHT;
    return DiscreteAction.MOVE_FORWARD;
  }

  /**
   * Heading (rad) from (x, z) towards the next corner of the shortest path on the widest-margin
   * field that connects the robot to the goal; NaN if none does.
   */
  private heading(env: NavEnv, x: number, z: number): number {
    if (this.scene !== env.scene) {
      this.scene = env.scene;
      const margins = this.config.margin > 0 ? [this.config.margin, this.config.margin / 2] : [];
      this.grids = margins.map((m) => OccupancyGrid.fromScene(env.scene, { inflate: env.robot.radius + m, robotHeight: env.robot.height }));
      this.episode = null;
    }
    if (this.episode !== env.episode) {
      this.episode = env.episode;
      this.fields = this.grids.map(() => null);
    }
    for (let k = 0; k < this.grids.length; k++) {
      this.fields[k] ??= GeodesicField.compute(this.grids[k]!, env.goalPointsOf(env.episode));
      const field = this.fields[k]!;
      if (Number.isFinite(field.distance(x, z))) return towardsPath(field, x, z);
    }
    return towardsPath(env.geodesic!, x, z);
  }
}

/**
 * The first action of the shortest turn-then-forward sequence whose forward step lands on a success
 * point, or null when none does within half a turn around (or the goal is more than two steps away).
 */
function finalApproach(env: NavEnv, x: number, z: number, yaw: number): Action | null {
  const { forwardStep, turnStep } = env.robot;
  if (!(env.distanceToGoal <= 2 * forwardStep)) return null;
  const maxTurns = Math.ceil(Math.PI / turnStep);
  for (let k = 0; k <= maxTurns; k++) {
    for (const sign of k === 0 ? [1] : [1, -1]) {
      const heading = yaw + sign * k * turnStep;
      // Forward at yaw θ is (cos θ, −sin θ) in (x, z).
      if (!env.successAt(x + forwardStep * Math.cos(heading), z - forwardStep * Math.sin(heading))) continue;
      if (k === 0) return DiscreteAction.MOVE_FORWARD;
      return sign > 0 ? DiscreteAction.TURN_LEFT : DiscreteAction.TURN_RIGHT;
    }
  }
  return null;
}

/** Heading (rad, yaw convention) from (x, z) to the first shortest-path point at least 1 mm away. */
function towardsPath(field: GeodesicField, x: number, z: number): number {
  for (const [px, pz] of field.shortestPath(x, z)) {
    if (Math.hypot(px - x, pz - z) > 1e-3) return Math.atan2(-(pz - z), px - x);
  }
  return NaN;
}
