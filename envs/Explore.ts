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
import { OccupancyGrid } from '../src/sim/OccupancyGrid.js';
import type { SceneSpec } from '../src/sim/SceneSpec.js';
import type { EpisodeSpec } from './episodes.js';
import { cellCenter, NavEnv, type TaskStep } from './NavEnv.js';
import { type NavOptions, splitOptions } from './NavOptions.js';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const positive = finite.refine((v) => v > 0, 'expected a number > 0');

/** The zod schema of Explore's own options (rewards per area seen, view range and rays, coverage goal). */
export const exploreOptionsSchema = z
  .object({
    /** Reward per m² of newly seen reachable floor. */
    areaReward: finite.default(0.1),
    /** How far (m) the robot sees floor. */
    viewRange: positive.default(3),
    /** Sight lines per step over the field of view. */
    rays: z.number().int().min(2).max(1024).default(41),
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
  private maskScene: SceneSpec | null = null;
  /** 1 on cells of the reachable floor (what coverage counts). */
  private reachableMask = new Uint8Array(0);
  /** Obstacles that stop a sight line (not inflated). */
  private visibility: OccupancyGrid | null = null;
  /** 1 on cells seen this episode. */
  private seen = new Uint8Array(0);
  private seenCells = 0;

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
    return this.reachableMask.length === 0 ? 0 : this.seenCells / this.reachableCells().length;
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
    if (this.maskScene !== this.scene) {
      this.maskScene = this.scene;
      this.reachableMask = new Uint8Array(this.grid.cols * this.grid.rows);
      for (const cell of this.reachableCells()) this.reachableMask[cell] = 1;
      this.visibility = OccupancyGrid.fromScene(this.scene, {
        cellSize: this.grid.cellSize,
        inflate: 0,
        robotHeight: this.sensors.cameraConfig.mountHeight,
      });
      this.seen = new Uint8Array(this.grid.cols * this.grid.rows);
    }
    this.seen.fill(0);
    this.seenCells = 0;
    this.look();
  }

  successAt(): boolean {
    return false;
  }

  protected evaluateStep(): TaskStep {
    const cellArea = this.grid.cellSize * this.grid.cellSize;
    const fresh = this.look();
    const success = this.coverage >= this.coverageGoal;
    return { reward: this.config.slackReward + this.areaReward * fresh * cellArea, terminated: success, success };
  }

  protected override taskMetrics(): Record<string, number> {
    return { coverage: this.coverage, seenArea: this.seenCells * this.grid.cellSize * this.grid.cellSize };
  }

  /** Mark what is in view; returns the number of newly seen reachable cells. */
  private look(): number {
    const { x, z, yaw } = this.world.pose;
    const vis = this.visibility!;
    const h = this.grid.cellSize;
    const stepLength = 0.5 * h;
    const steps = Math.ceil(this.viewRange / stepLength);
    let fresh = 0;
    for (let k = 0; k < this.rays; k++) {
      const angle = yaw + this.viewFov * (0.5 - k / (this.rays - 1));
      // Forward at yaw θ is (cos θ, −sin θ) in (x, z).
      const dx = Math.cos(angle) * stepLength;
      const dz = -Math.sin(angle) * stepLength;
      for (let s = 1; s <= steps; s++) {
        const px = x + dx * s;
        const pz = z + dz * s;
        if (!vis.isFree(px, pz)) break;
        const cell = this.grid.cellOf(px, pz);
        if (this.reachableMask[cell] === 1 && this.seen[cell] === 0) {
          this.seen[cell] = 1;
          fresh++;
        }
      }
    }
    this.seenCells += fresh;
    return fresh;
  }
}
