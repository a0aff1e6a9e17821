/**
 * # Explore: see as much of the floor as possible (area coverage)
 *
 * | id               | scene                        | sensors (default)          | steps |
 * |------------------|------------------------------|----------------------------|-------|
 * | Explore-v0       | `rooms` apartment, 10 × 10 m | depth 64×64, gps, compass  | 500   |
 * | Explore-Easy-v0  | `arena`, 5 × 5 m             | depth 64×64, gps, compass  | 200   |
 *
 * ## Action Space
 * Discrete(4): 0 STOP (stands still; it does not end the episode), 1 MOVE_FORWARD (0.25 m),
 * 2 TURN_LEFT (10°), 3 TURN_RIGHT (10°); or NavEnv's continuous Box with `continuous: true`.
 *
 * ## Observation Space
 * Dict of the requested sensors (NavEnv.ts lists them; `pointgoal`/`objectgoal` do not apply). Defaults:
 *
 * | key     | shape       | meaning                                              | range     | unit |
 * |---------|-------------|------------------------------------------------------|-----------|------|
 * | depth   | [64, 64, 1] | depth along the optical axis                         | [0, 10]   | m    |
 * | gps     | [2]         | displacement from the start, start frame (fwd, left) | [−20, 20] | m    |
 * | compass | [1]         | heading relative to the start heading (+ = left)     | [−π, π]   | rad  |
 *
 * ## Rewards
 * r_t = −0.01 + areaReward · (newly seen reachable floor, m²) − collisionPenalty·[collided];
 * areaReward = 0.1 per m². "Seen": `rays` sight lines over the camera's horizontal field of view,
 * up to `viewRange` (3 m), stopped by obstacles that reach the camera's height; the floor counted is the
 * region the robot can reach (the largest connected free region).
 *
 * ## Starting State
 * A uniformly drawn reachable position and heading in a scene of the split; what is in view at the
 * start counts as seen and earns nothing.
 *
 * ## Episode End
 * Terminated with success when coverage (seen / reachable floor) reaches `coverageGoal` (0.9);
 * truncated at 500 steps (200 Easy). Final info: the NavEnv metrics (spl and softSpl are 0, there is
 * no goal) plus `coverage` (fraction) and `seenArea` (m²).
 *
 * ## Version History
 * - v0: initial version.
 */
import { z } from 'zod';
import { UsageError } from '../src/core/errors.js';
import type { Rng } from '../src/core/Rng.js';
import type { GeneratorName } from '../src/sim/generators/index.js';
import type { SceneSpec } from '../src/sim/SceneSpec.js';
import type { EpisodeSpec } from './episodes.js';
import { cellCenter, NavEnv, type TaskStep } from './NavEnv.js';
import { type NavOptions, splitOptions } from './NavOptions.js';
import { DEFAULT_SIGHT_RAYS, DEFAULT_VIEW_RANGE, SeenFloor, sightObstacles } from './SeenFloor.js';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const positive = finite.refine((v) => v > 0, 'expected a number > 0');

/** The zod schema of Explore's own options (rewards per area seen, view range and rays, coverage goal). */
export const exploreOptionsSchema = z
  .object({
    /** Reward per m² of newly seen reachable floor. */
    areaReward: finite.default(0.1),
    /** How far (m) the robot sees floor. */
    viewRange: positive.default(DEFAULT_VIEW_RANGE),
    /** Sight lines per step over the field of view. */
    rays: z.number().int().min(2).max(1024).default(DEFAULT_SIGHT_RAYS),
    /** Horizontal field of view (rad) of the sight lines. @default the camera's (90° by default) */
    viewFov: positive.optional(),
    /** Coverage (fraction of the reachable floor) that ends the episode with success. */
    coverageGoal: finite.refine((v) => v > 0 && v <= 1, 'expected a number in (0, 1]').default(0.9),
  })
  .strict();

/** Explore's options: NavEnv's plus its own (see `exploreOptionsSchema`). */
export type ExploreOptions = NavOptions & z.input<typeof exploreOptionsSchema>;

/** Exploration: cover as much reachable floor as possible; rewards newly seen area (m²). The file header has the full spec. */
export class Explore extends NavEnv {
  readonly areaReward: number;
  readonly viewRange: number;
  readonly rays: number;
  readonly viewFov: number;
  readonly coverageGoal: number;
  private floorScene: SceneSpec | null = null;
  /** What this episode has seen of the loaded scene's floor. */
  private floor: SeenFloor | null = null;

  constructor(id: string, generator: GeneratorName, options: Record<string, unknown>, defaults: Partial<ExploreOptions> = {}) {
    const { task, base } = splitOptions(id, exploreOptionsSchema, defaults, options);
    if (Array.isArray(base.sensors) && (base.sensors as unknown[]).includes('pointgoal'))
      throw new UsageError(`${id} option sensors: "pointgoal" does not apply, Explore has no goal`);
    if (base.splReward === true) throw new UsageError(`${id} option splReward: does not apply, Explore has no goal to reach`);
    super({ id, generator, stopEnds: false }, base);
    this.areaReward = task.areaReward;
    this.viewRange = task.viewRange;
    this.rays = task.rays;
    this.viewFov = task.viewFov ?? this.sensors.cameraConfig.hfov;
    this.coverageGoal = task.coverageGoal;
  }

  /** Fraction of the reachable floor seen so far this episode. */
  get coverage(): number {
    return this.floor?.coverage ?? 0;
  }

  protected sampleInScene(sceneSeed: number, rng: Rng): EpisodeSpec | null {
    const cells = this.reachableCells();
    if (cells.length === 0) return null;
    const [x, z] = cellCenter(this.grid, cells[rng.int(cells.length)]!);
    return { sceneSeed, start: { position: [x, z], yaw: rng.uniform(-Math.PI, Math.PI) }, geodesicDistance: 0 };
  }

  protected override goalPoints(): Array<[number, number]> {
    return [];
  }

  protected override beginTask(): void {
    if (this.floorScene !== this.scene) {
      this.floorScene = this.scene;
      const visibility = sightObstacles(this.scene, this.grid.cellSize, this.sensors.cameraConfig.mountHeight);
      this.floor = new SeenFloor(this.grid, this.reachableCells(), visibility, {
        viewRange: this.viewRange,
        rays: this.rays,
        fov: this.viewFov,
      });
    }
    this.floor!.clear();
    this.look();
  }

  successAt(): boolean {
    return false;
  }

  protected evaluateStep(): TaskStep {
    const fresh = this.look();
    const success = this.coverage >= this.coverageGoal;
    return { reward: this.config.slackReward + this.areaReward * fresh, terminated: success, success };
  }

  protected override taskMetrics(): Record<string, number> {
    return { coverage: this.coverage, seenArea: this.floor?.area ?? 0 };
  }

  /** Mark what is in view; returns the newly seen reachable floor (m²). */
  private look(): number {
    const { x, z, yaw } = this.world.pose;
    return this.floor!.look(x, z, yaw);
  }
}
