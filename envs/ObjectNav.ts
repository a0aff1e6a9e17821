/**
 * # ObjectNav: find any instance of a named object category (Habitat's ObjectGoal task)
 *
 * | id                | scene                                              | steps |
 * |-------------------|----------------------------------------------------|-------|
 * | ObjectNav-v0      | `rooms` apartment with one+ instance of 9 categories | 500   |
 * | ObjectNav-Easy-v0 | `arena` 5 × 5 m with chair, plant, ball            | 200   |
 *
 * ## Action Space
 * Discrete(4): 0 STOP, 1 MOVE_FORWARD (0.25 m), 2 TURN_LEFT (10°), 3 TURN_RIGHT (10°), or the
 * continuous Box of NavEnv with `continuous: true` (ends on success).
 *
 * ## Observation Space
 * Dict of the requested sensors (NavEnv.ts lists them all). Defaults:
 *
 * | key        | shape       | meaning                                                | range    | unit |
 * |------------|-------------|--------------------------------------------------------|----------|------|
 * | rgb        | [64, 64, 3] | colour camera                                          | [0, 255] | sRGB |
 * | depth      | [64, 64, 1] | depth along the optical axis                           | [0, 10]  | m    |
 * | objectgoal | [9]         | one-hot goal category, in `OBJECT_CATEGORIES` order    | {0, 1}   | —    |
 * | gps        | [2]         | displacement from the start, start frame (fwd, left)   | [−20, 20]| m    |
 * | compass    | [1]         | heading relative to the start heading (+ = left)       | [−π, π]  | rad  |
 *
 * Optional: `goalview` [8, 8, 1], the fraction of each cell of an 8 × 8 grid over the camera image
 * that shows an instance of the goal category (ground-truth segmentation, like Habitat's semantic
 * sensor): where the goal is in view, and how much of the view it fills.
 *
 * ## Rewards
 * r_t = −0.01 + (d_{t−1} − d_t) + 2.5·[success] + coverageReward·(newly seen reachable floor, m²)
 * − collisionPenalty·[collided], d = geodesic distance (m) to the nearest view point of any instance
 * of the goal category. With `splReward` the 2.5 is scaled by the episode's path efficiency
 * ℓ / max(p, ℓ), so success pays 2.5 × SPL. `coverageReward` (default 0) is an exploration reward
 * (Ye et al. 2021) paid until the goal is found: floor counts as seen as in Explore (sight lines over
 * the camera's field of view, out to 3 m), what is in view at the start earns nothing, and once a
 * view point of the goal has been seen no floor earns anything (the shaping then leads to the goal
 * instead of on through the rest of the apartment).
 *
 * ## Starting State
 * A scene with reachable instances of every category; the goal category drawn uniformly among
 * those present; its view points are the reachable positions within `successDistance` (1.0 m) of an
 * instance's footprint with a clear line of sight to it (obstacles lower than the camera mount do
 * not block); the start drawn from the largest free region at a geodesic distance in
 * [minGoalDistance, maxGoalDistance] from the view points; heading uniform.
 *
 * ## Episode End
 * Terminated on STOP, a success when the robot stands on a view point (within 1.0 m of an instance,
 * in sight of it); truncated at 500 steps (200 Easy). Final info: the NavEnv metrics plus `coverage`
 * (fraction of the reachable floor seen) and `goalSeen` (1 if a view point of the goal was seen).
 *
 * ## Version History
 * - v0: initial version.
 */
import { z } from 'zod';
import type { Rng } from '../src/core/Rng.js';
import { Box } from '../src/core/spaces.js';
import { categoryId, OBJECT_CATEGORIES } from '../src/sim/categories.js';
import { distanceToFootprint, footprintOf, type Footprint } from '../src/sim/footprint.js';
import type { GeneratorName } from '../src/sim/generators/index.js';
import type { OccupancyGrid } from '../src/sim/OccupancyGrid.js';
import type { SceneSpec } from '../src/sim/SceneSpec.js';
import type { EpisodeSpec } from './episodes.js';
import { cellCenter, NavEnv, type TaskStep } from './NavEnv.js';
import { type NavOptions, splitOptions } from './NavOptions.js';
import { DEFAULT_SIGHT_RAYS, DEFAULT_VIEW_RANGE, SeenFloor, sightObstacles } from './SeenFloor.js';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** The zod schema of ObjectNav's own options (success distance, goal categories, goal-distance filters, exploration reward). */
export const objectNavOptionsSchema = z
  .object({
    /** A view point lies within this distance (m) of an instance's footprint, in sight of it. */
    successDistance: finite.refine((v) => v > 0, 'expected a number > 0').default(1),
    /** Goal categories (a subset of OBJECT_CATEGORIES). */
    categories: z
      .array(z.enum(OBJECT_CATEGORIES))
      .min(1)
      .default([...OBJECT_CATEGORIES]),
    /** Episode filter: geodesic distance range (m) from the start to the nearest view point. */
    minGoalDistance: finite.refine((v) => v >= 0, 'expected a number ≥ 0').default(1),
    maxGoalDistance: finite.default(30),
    /** Exploration reward per m² of newly seen reachable floor until a view point of the goal is seen (0: none). */
    coverageReward: finite.refine((v) => v >= 0, 'expected a number ≥ 0').default(0),
  })
  .strict();

/** ObjectNav's options: NavEnv's plus its own (see `objectNavOptionsSchema`). */
export type ObjectNavOptions = NavOptions & z.input<typeof objectNavOptionsSchema>;

/** The view points of one category in one scene. */
interface Views {
  /** Cell centres [x, z] (m): the goal set of the geodesic field. */
  points: Array<[number, number]>;
  /** 1 on view-point cells (grid index). */
  mask: Uint8Array;
  /** Instance footprints (for the nearest-instance pointgoal). */
  footprints: Footprint[];
}

const START_TRIES = 40;

/** ObjectGoal navigation: find any instance of a named category and call STOP in sight of it. The file header has the full spec. */
export class ObjectNav extends NavEnv {
  readonly successDistance: number;
  readonly categories: readonly string[];
  readonly minGoalDistance: number;
  readonly maxGoalDistance: number;
  readonly coverageReward: number;
  private viewScene: SceneSpec | null = null;
  private visibility: OccupancyGrid | null = null;
  private readonly views = new Map<string, Views>();
  private current: Views | null = null;
  /** What this episode has seen of the loaded scene's floor (made with the scene's views). */
  private floor: SeenFloor | null = null;
  private viewPointSeen = false;

  constructor(id: string, generator: GeneratorName, options: Record<string, unknown>, defaults: Partial<ObjectNavOptions> = {}) {
    const { task, base } = splitOptions(id, objectNavOptionsSchema, defaults, options);
    super(
      {
        id,
        generator,
        stopEnds: true,
        sceneOptions: { objects: { categories: task.categories } },
        extraSpaces: { objectgoal: new Box(0, 1, [OBJECT_CATEGORIES.length]) },
      },
      base,
    );
    this.successDistance = task.successDistance;
    this.categories = task.categories;
    this.minGoalDistance = task.minGoalDistance;
    this.maxGoalDistance = task.maxGoalDistance;
    this.coverageReward = task.coverageReward;
  }

  /** Fraction of the reachable floor seen so far this episode. */
  get coverage(): number {
    return this.floor?.coverage ?? 0;
  }

  /** Has this episode seen a view point of its goal (floor where STOP would succeed)? */
  get goalSeen(): boolean {
    return this.viewPointSeen;
  }

  protected sampleInScene(sceneSeed: number, rng: Rng): EpisodeSpec | null {
    const cells = this.reachableCells();
    const present = this.categories.filter((c) => this.scene.goals.some((g) => g.category === categoryId(c)));
    rng.shuffle(present);
    for (const category of present) {
      const views = this.viewsOf(category);
      if (views.points.length === 0) continue;
      const field = this.fieldFor(views.points);
      for (let s = 0; s < START_TRIES; s++) {
        const cell = cells[rng.int(cells.length)]!;
        const d = field.values[cell]!;
        if (!(d >= this.minGoalDistance && d <= this.maxGoalDistance)) continue;
        const [x, z] = cellCenter(this.grid, cell);
        return {
          sceneSeed,
          start: { position: [x, z], yaw: rng.uniform(-Math.PI, Math.PI) },
          category,
          geodesicDistance: field.distance(x, z),
        };
      }
    }
    return null;
  }

  protected override goalPoints(episode: EpisodeSpec): Array<[number, number]> {
    if (!episode.category) throw new Error(`${this.task.id}: episode of scene ${episode.sceneSeed} has no category`);
    const views = this.viewsOf(episode.category);
    if (views.points.length === 0)
      throw new Error(`${this.task.id}: scene ${episode.sceneSeed} has no reachable view of a ${episode.category}`);
    return views.points;
  }

  protected override beginTask(episode: EpisodeSpec): void {
    this.current = this.viewsOf(episode.category!);
    this.sensors.goalCategory = categoryId(episode.category!);
    const onehot = this.sensors.obs.objectgoal as Float32Array | undefined;
    if (onehot) {
      onehot.fill(0);
      onehot[(OBJECT_CATEGORIES as readonly string[]).indexOf(episode.category!)] = 1;
    }
    this.floor!.clear();
    this.look();
    this.viewPointSeen = this.seesViewPoint();
  }

  successAt(x: number, z: number): boolean {
    const cell = this.grid.cellOf(x, z);
    return cell >= 0 && this.current!.mask[cell] === 1;
  }

  protected evaluateStep(stopped: boolean, previous: number): TaskStep {
    const success = this.atGoal() && (stopped || this.config.endOnSuccess || this.config.continuous);
    const d = this.distanceToGoal;
    const progress = Number.isFinite(d) && Number.isFinite(previous) ? previous - d : 0;
    const seen = this.look();
    // The step that first sees a view point is paid for its floor too: it found the goal.
    const explored = this.viewPointSeen ? 0 : seen;
    this.viewPointSeen ||= this.seesViewPoint();
    return {
      reward: this.config.slackReward + progress + (success ? this.successBonus() : 0) + this.coverageReward * explored,
      terminated: stopped || success,
      success,
    };
  }

  protected override taskMetrics(): Record<string, number> {
    return { coverage: this.coverage, goalSeen: this.viewPointSeen ? 1 : 0 };
  }

  /** Has the seen floor reached a view point of the goal? */
  private seesViewPoint(): boolean {
    return this.current!.points.some(([x, z]) => this.floor!.hasSeen(this.grid.cellOf(x, z)));
  }

  /** Mark what is in view; returns the newly seen reachable floor (m²). */
  private look(): number {
    const { x, z, yaw } = this.world.pose;
    return this.floor!.look(x, z, yaw);
  }

  /** The nearest instance's centre, for a `pointgoal` sensor on this task. */
  protected override pointGoal(): [number, number] {
    const { x, z } = this.world.pose;
    let best: Footprint | null = null;
    let bestD = Infinity;
    for (const f of this.current!.footprints) {
      const d = distanceToFootprint(f, x, z);
      if (d < bestD) {
        bestD = d;
        best = f;
      }
    }
    return best ? [best.x, best.z] : [x, z];
  }

  /** View points of `category` in the loaded scene (computed once per scene and category). */
  private viewsOf(category: string): Views {
    if (this.viewScene !== this.scene) {
      this.viewScene = this.scene;
      this.views.clear();
      this.visibility = sightObstacles(this.scene, this.grid.cellSize, this.sensors.cameraConfig.mountHeight);
      this.floor = new SeenFloor(this.grid, this.reachableCells(), this.visibility, {
        viewRange: DEFAULT_VIEW_RANGE,
        rays: DEFAULT_SIGHT_RAYS,
        fov: this.sensors.cameraConfig.hfov,
      });
    }
    let views = this.views.get(category);
    if (!views) {
      views = this.computeViews(category);
      this.views.set(category, views);
    }
    return views;
  }

  private computeViews(category: string): Views {
    const { grid, scene } = this;
    const vis = this.visibility!;
    const id = categoryId(category);
    const instances = new Set(scene.goals.filter((g) => g.category === id && g.instance !== undefined).map((g) => g.instance!));
    const footprints = scene.primitives
      .filter((p) => p.material.category === id && instances.has(p.material.instance))
      .map((p) => footprintOf(p, Infinity))
      .filter((f): f is Footprint => f !== null);
    const reachable = new Uint8Array(grid.cols * grid.rows);
    for (const cell of this.reachableCells()) reachable[cell] = 1;
    const mask = new Uint8Array(grid.cols * grid.rows);
    const points: Array<[number, number]> = [];
    const h = grid.cellSize;
    const r = this.successDistance;
    for (const f of footprints) {
      const extent = f.kind === 'circle' ? f.radius : Math.hypot(f.halfX, f.halfZ);
      const c0 = Math.max(0, Math.floor((f.x - extent - r - grid.originX) / h));
      const c1 = Math.min(grid.cols - 1, Math.floor((f.x + extent + r - grid.originX) / h));
      const r0 = Math.max(0, Math.floor((f.z - extent - r - grid.originZ) / h));
      const r1 = Math.min(grid.rows - 1, Math.floor((f.z + extent + r - grid.originZ) / h));
      for (let row = r0; row <= r1; row++) {
        for (let col = c0; col <= c1; col++) {
          const cell = row * grid.cols + col;
          if (reachable[cell] === 0 || mask[cell] === 1) continue;
          const cx = grid.centerX(col);
          const cz = grid.centerZ(row);
          if (distanceToFootprint(f, cx, cz) > r || !inSight(vis, f, cx, cz)) continue;
          mask[cell] = 1;
          points.push([cx, cz]);
        }
      }
    }
    return { points, mask, footprints };
  }
}

/** Clear straight line from (x, z) to the footprint `f` over the visibility grid (sampled every half cell). */
function inSight(vis: OccupancyGrid, f: Footprint, x: number, z: number): boolean {
  const h = vis.cellSize;
  const len = Math.hypot(f.x - x, f.z - z);
  const n = Math.ceil(len / (0.5 * h));
  for (let k = 1; k <= n; k++) {
    const px = x + ((f.x - x) * k) / n;
    const pz = z + ((f.z - z) * k) / n;
    // Within a cell of the object: the object itself is what the ray reaches.
    if (distanceToFootprint(f, px, pz) <= h) return true;
    if (!vis.isFree(px, pz)) return false;
  }
  return true;
}
