/**
 * # PointNav: drive to a point given in polar coordinates (Habitat's PointGoal task)
 *
 * | id               | scene                          | sensors (default)            | steps |
 * |------------------|--------------------------------|------------------------------|-------|
 * | PointNav-v0      | `rooms` apartment, 10 × 10 m   | depth 64×64, pointgoal       | 500   |
 * | PointNav-Easy-v0 | `arena`, 5 × 5 m, 6 obstacles  | depth 64×64, pointgoal       | 200   |
 * | Maze-v0          | `maze`, 7 × 7 cells of 1 m     | depth 64×64, pointgoal       | 500   |
 *
 * ## Action Space
 * Discrete(4): 0 STOP, 1 MOVE_FORWARD (0.25 m), 2 TURN_LEFT (10°), 3 TURN_RIGHT (10°). With
 * `continuous: true`, Box([−maxLinear, −maxAngular], [maxLinear, maxAngular]) in [m/s, rad/s]; the
 * episode then ends on reaching the goal (there is no STOP).
 *
 * ## Observation Space
 * Dict of the requested sensors (NavEnv.ts lists them all). Defaults:
 *
 * | key       | shape       | meaning                                                  | range          | unit   |
 * |-----------|-------------|----------------------------------------------------------|----------------|--------|
 * | depth     | [64, 64, 1] | depth along the optical axis                             | [0, 10]        | m      |
 * | pointgoal | [2]         | [0] Euclidean distance to the goal, [1] bearing (+ left) | [0, 20], [−π, π] | m, rad |
 *
 * With `pointgoalFormat: 'cosSin'` pointgoal is [3]: the distance, then the cosine and sine of the bearing.
 *
 * ## Rewards
 * r_t = −0.01 + (d_{t−1} − d_t) + 2.5·[success] − collisionPenalty·[collided], d = geodesic distance
 * to the goal (m); `collisionPenalty` defaults to 0. With `splReward` the 2.5 is scaled by the
 * episode's path efficiency ℓ / max(p, ℓ), so success pays 2.5 × SPL.
 *
 * ## Starting State
 * A scene from the split's seed range (kept for `episodesPerScene` episodes); goal and start drawn
 * uniformly from the largest connected free region, kept when the geodesic distance is within
 * [minGoalDistance, maxGoalDistance] and geodesic / Euclidean ≥ minGeodesicRatio (1.1 in rooms and
 * mazes, as Habitat does, to drop straight-line episodes); heading uniform in [−π, π).
 *
 * ## Episode End
 * Terminated on STOP (success when the geodesic distance is ≤ successDistance = 0.2 m), or on
 * reaching the goal with `endOnSuccess` / continuous actions; truncated at 500 steps (200 Easy).
 * The final info carries { success, spl, softSpl, distanceToGoal, pathLength, collisions, steps }.
 *
 * ## Version History
 * - v0: initial version.
 */
import { z } from 'zod';
import type { Rng } from '../src/core/Rng.js';
import type { GeneratorName } from '../src/sim/generators/index.js';
import type { EpisodeSpec } from './episodes.js';
import { cellCenter, NavEnv, type TaskStep } from './NavEnv.js';
import { type NavOptions, splitOptions } from './NavOptions.js';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** The zod schema of PointNav's own options (success distance, start–goal distance filters). */
export const pointNavOptionsSchema = z
  .object({
    /** STOP within this geodesic distance (m) of the goal is a success. */
    successDistance: finite.refine((v) => v > 0, 'expected a number > 0').default(0.2),
    /** Episode filters: geodesic start–goal distance range (m) and the least geodesic/Euclidean ratio. */
    minGoalDistance: finite.refine((v) => v >= 0, 'expected a number ≥ 0').default(1),
    maxGoalDistance: finite.default(30),
    minGeodesicRatio: finite.refine((v) => v >= 1, 'expected a number ≥ 1').default(1),
  })
  .strict();

/** PointNav's options: NavEnv's plus its own (see `pointNavOptionsSchema`). */
export type PointNavOptions = NavOptions & z.input<typeof pointNavOptionsSchema>;

/** Goal draws per scene, and start draws per goal, before a scene counts as having no valid episode. */
const GOAL_TRIES = 8;
const START_TRIES = 40;

/**
 * PointGoal navigation: reach a point given as distance and bearing and call STOP near it (0.2 m by default). The file header has the full spec.
 */
export class PointNav extends NavEnv {
  readonly successDistance: number;
  readonly minGoalDistance: number;
  readonly maxGoalDistance: number;
  readonly minGeodesicRatio: number;

  /**
   * @param id registry id (for messages)
   * @param generator scene generator
   * @param options user options (NavEnv's and PointNav's)
   * @param defaults the registry entry's defaults
   */
  constructor(id: string, generator: GeneratorName, options: Record<string, unknown>, defaults: Partial<PointNavOptions> = {}) {
    const { task, base } = splitOptions(id, pointNavOptionsSchema, defaults, options);
    super({ id, generator, stopEnds: true }, base);
    this.successDistance = task.successDistance;
    this.minGoalDistance = task.minGoalDistance;
    this.maxGoalDistance = task.maxGoalDistance;
    this.minGeodesicRatio = task.minGeodesicRatio;
  }

  protected sampleInScene(sceneSeed: number, rng: Rng): EpisodeSpec | null {
    const cells = this.reachableCells();
    if (cells.length < 2) return null;
    for (let g = 0; g < GOAL_TRIES; g++) {
      const goal = cellCenter(this.grid, cells[rng.int(cells.length)]!);
      const field = this.fieldFor([goal]);
      for (let s = 0; s < START_TRIES; s++) {
        const cell = cells[rng.int(cells.length)]!;
        const d = field.values[cell]!;
        if (!(d >= this.minGoalDistance && d <= this.maxGoalDistance)) continue;
        const [x, z] = cellCenter(this.grid, cell);
        const euclid = Math.hypot(goal[0] - x, goal[1] - z);
        if (euclid <= 0 || d / euclid < this.minGeodesicRatio) continue;
        return {
          sceneSeed,
          start: { position: [x, z], yaw: rng.uniform(-Math.PI, Math.PI) },
          goal,
          geodesicDistance: field.distance(x, z),
        };
      }
    }
    return null;
  }

  successAt(x: number, z: number): boolean {
    return this.geodesic!.distance(x, z) <= this.successDistance;
  }

  protected evaluateStep(stopped: boolean, previous: number): TaskStep {
    const d = this.distanceToGoal;
    const reached = d <= this.successDistance;
    const success = reached && (stopped || this.config.endOnSuccess || this.config.continuous);
    // Off the field (pushed into an inflated border beyond the snap range) counts as no progress.
    const progress = Number.isFinite(d) && Number.isFinite(previous) ? previous - d : 0;
    const reward = this.config.slackReward + progress + (success ? this.successBonus() : 0);
    return { reward, terminated: stopped || success, success };
  }
}
