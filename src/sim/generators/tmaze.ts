/**
 * `tmaze`: the memory task. A straight stem leads from the start to a junction with a left and a
 * right arm. Two cue panels on the stem walls next to the start show one colour: red means the
 * goal is at the end of the left arm, blue the right arm. The cue is behind the robot by the time
 * it reaches the junction, so a policy must remember it.
 *
 * Layout: the start is at x = 0.3 m facing +x (yaw 0), the stem runs along +x to the junction at
 * x = stemLength, the arms run along z; left (seen from the start, +yaw) is −z. `goals[0]` is the
 * rewarded arm's end; the other arm's end is its mirror image in z.
 */
import { z } from 'zod';
import type { Material, SceneSpec, Vec3 } from '../SceneSpec.js';
import { categoryId } from '../categories.js';
import { SceneBuilder } from './SceneBuilder.js';
import { baseOptionsSchema, parseGeneratorOptions } from './options.js';

/** Cue colours (linear RGB): which arm holds the goal. */
export const TMAZE_CUE_COLORS: Readonly<Record<'left' | 'right', Vec3>> = { left: [0.9, 0.1, 0.1], right: [0.1, 0.25, 0.95] };

/** The options of the T-maze generator: goal arm, stem and arm lengths and corridor width (m). */
export const TMazeOptionsSchema = baseOptionsSchema.extend({
  /** Which arm holds the goal; chosen by the seed when absent. */
  arm: z.enum(['left', 'right']).optional(),
  /** Start wall to junction (m). */
  stemLength: z.number().min(1.5).max(30).default(4),
  /** Junction to arm end, each side (m). */
  armLength: z.number().min(0.8).max(20).default(2),
  /** Free corridor width (m). */
  corridorWidth: z.number().min(0.6).max(3).default(1),
  wallThickness: z.number().min(0.02).max(0.3).default(0.1),
  wallHeight: z.number().min(0.5).max(5).default(1.5),
});
/** What `generateTMaze` takes (see `TMazeOptionsSchema`). */
export type TMazeOptions = z.input<typeof TMazeOptionsSchema>;

/** A T-maze with a coloured cue at the start saying which arm holds the goal, from a seed. */
export function generateTMaze(options: unknown): SceneSpec {
  const o = parseGeneratorOptions('tmaze', TMazeOptionsSchema, options);
  const { stemLength: L, armLength: A, corridorWidth: w, wallThickness: t, wallHeight: h } = o;
  const e = t / 2;
  const reach = A + w / 2; // |z| of the arm ends' inner walls
  const b = new SceneBuilder('tmaze', o.seed, [-t, -reach - t], [L + w + t, reach + t], o.randomize, o.robotRadius);
  const arm = o.arm ?? (b.rng.random() < 0.5 ? 'left' : 'right');

  b.addWall(-e, -w / 2 - e, -e, w / 2 + e, t, h); // behind the start
  b.addWall(-e, -w / 2 - e, L - e, -w / 2 - e, t, h); // stem, left side
  b.addWall(-e, w / 2 + e, L - e, w / 2 + e, t, h); // stem, right side
  b.addWall(L - e, -reach - e, L - e, -w / 2 - e, t, h); // left arm, near side
  b.addWall(L - e, w / 2 + e, L - e, reach + e, t, h); // right arm, near side
  b.addWall(L + w + e, -reach - e, L + w + e, reach + e, t, h); // far wall of the cross corridor
  b.addWall(L - e, -reach - e, L + w + e, -reach - e, t, h); // left arm end
  b.addWall(L - e, reach + e, L + w + e, reach + e, t, h); // right arm end

  // Cue panels: 1 m long, flush with both stem walls beside the start, in the periphery of a forward camera.
  const cue: Material = {
    color: [...TMAZE_CUE_COLORS[arm]],
    pattern: { type: 'solid' },
    category: categoryId('cue'),
    instance: b.newInstance(),
  };
  const panel = 0.04;
  const cueHeight = Math.min(1.2, h);
  for (const side of [-1, 1]) {
    b.primitives.push({
      shape: 'box',
      position: [1, cueHeight / 2, side * (w / 2 - panel / 2)],
      size: [1, cueHeight, panel],
      yaw: 0,
      material: cue,
    });
  }

  const start = { position: [0.3, 0] as [number, number], yaw: 0 };
  const goalZ = (reach - Math.min(0.5, A / 2)) * (arm === 'left' ? -1 : 1);
  b.addDynamicObstacles(o.dynamic, start.position);
  return b.finish(start, [{ position: [L + w / 2, goalZ] }]);
}
