/**
 * # TMaze: a memory task (Bakker 2002's T-maze, in 3-D)
 *
 * A straight stem leads from the start to a junction with a left and a right arm. Coloured cue
 * panels beside the start say which arm holds the goal (red: left, blue: right). By the junction
 * the cue is behind the robot, so a policy must remember it: a recurrent policy can solve the task,
 * a memoryless one is right half of the time at best.
 *
 * | id       | scene                                          | sensors (default) | steps |
 * |----------|------------------------------------------------|-------------------|-------|
 * | TMaze-v0 | `tmaze`: 4 m stem, 2 m arms, 1 m wide corridors | rgb 32×32, compass | 100   |
 *
 * ## Action Space
 * Discrete(4): 0 STOP (stands still), 1 MOVE_FORWARD (0.25 m), 2 TURN_LEFT (10°), 3 TURN_RIGHT (10°);
 * or NavEnv's continuous Box with `continuous: true`.
 *
 * ## Observation Space
 * | key     | shape       | meaning                                          | range    | unit |
 * |---------|-------------|--------------------------------------------------|----------|------|
 * | rgb     | [32, 32, 3] | colour camera (the cue is visible from the start)| [0, 255] | sRGB |
 * | compass | [1]         | heading relative to the start heading (+ = left) | [−π, π]  | rad  |
 *
 * ## Rewards
 * −0.01 per step; +1 (`successReward`, times the path efficiency with `splReward`) on reaching the
 * cued arm's end, −1 (`failureReward`) on reaching the other one; −collisionPenalty per collision
 * (default 0). No distance shaping: it would give the answer away.
 *
 * ## Starting State
 * At the stem's closed end, 0.3 m from the wall, facing the junction (yaw 0); the cued arm is drawn
 * by the scene seed.
 *
 * ## Episode End
 * Terminated on coming within `successDistance` (0.5 m) of either arm's end (success for the cued
 * one); truncated at 100 steps. Final info: the NavEnv metrics (SPL against the cued arm).
 *
 * ## Version History
 * - v0: initial version.
 */
import { z } from 'zod';
import type { EpisodeSpec } from './episodes.js';
import { NavEnv, type TaskStep } from './NavEnv.js';
import { type NavOptions, splitOptions } from './NavOptions.js';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** The zod schema of TMaze's own options (success distance, wrong-arm reward). */
export const tmazeOptionsSchema = z
  .object({
    /** Reaching within this distance (m) of an arm's end ends the episode. */
    successDistance: finite.refine((v) => v > 0, 'expected a number > 0').default(0.5),
    /** Reward for reaching the wrong arm's end. */
    failureReward: finite.default(-1),
  })
  .strict();

/** TMaze's options: NavEnv's plus its own (see `tmazeOptionsSchema`). */
export type TMazeOptions = NavOptions & z.input<typeof tmazeOptionsSchema>;

/** A memory task: a colour cue at the start says which arm of a T-maze holds the goal. The file header has the full spec. */
export class TMaze extends NavEnv {
  readonly successDistance: number;
  readonly failureReward: number;

  constructor(id: string, options: Record<string, unknown>, defaults: Partial<TMazeOptions> = {}) {
    const { task, base } = splitOptions(id, tmazeOptionsSchema, defaults, options);
    super({ id, generator: 'tmaze', stopEnds: false }, base);
    this.successDistance = task.successDistance;
    this.failureReward = task.failureReward;
  }

  protected sampleInScene(sceneSeed: number): EpisodeSpec | null {
    const goal = this.scene.goals[0];
    if (!goal) return null;
    const { position, yaw } = this.scene.start;
    const start = { position: [position[0], position[1]] as [number, number], yaw };
    // fieldFor keeps the field, so the episode starting here does not compute it a second time.
    const distance = this.fieldFor([[goal.position[0], goal.position[1]]]).distance(start.position[0], start.position[1]);
    return Number.isFinite(distance) ? { sceneSeed, start, goal: [goal.position[0], goal.position[1]], geodesicDistance: distance } : null;
  }

  successAt(): boolean {
    return false;
  }

  protected evaluateStep(): TaskStep {
    const { x, z } = this.world.pose;
    const [gx, gz] = this.episode.goal!;
    // The other arm's end mirrors the cued one in z (the maze is symmetric about its axis z = 0).
    const success = Math.hypot(x - gx, z - gz) <= this.successDistance;
    const wrong = !success && Math.hypot(x - gx, z + gz) <= this.successDistance;
    const reward = this.config.slackReward + (success ? this.successBonus() : 0) + (wrong ? this.failureReward : 0);
    return { reward, terminated: success || wrong, success };
  }
}
