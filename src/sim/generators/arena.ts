/**
 * `arena`: an open walled square with a few scattered obstacles: the Easy variant, where a policy
 * can learn to reach goals in minutes before it faces rooms or mazes.
 */
import { z } from 'zod';
import type { SceneSpec } from '../SceneSpec.js';
import { SceneBuilder } from './SceneBuilder.js';
import { proposeFurniture } from './rooms.js';
import { baseOptionsSchema, parseGeneratorOptions } from './options.js';

/** The options of the arena generator: floor size (m), obstacle count and sizes, start–goal distances. */
export const ArenaOptionsSchema = baseOptionsSchema.extend({
  /** Floor extent along x (m). */
  width: z.number().min(2).max(50).default(5),
  /** Floor extent along z (m). */
  depth: z.number().min(2).max(50).default(5),
  /** Scattered obstacles (grey boxes and cylinders). */
  obstacles: z.number().int().min(0).max(200).default(6),
  wallThickness: z.number().min(0.02).max(0.5).default(0.1),
  wallHeight: z.number().min(0.3).max(5).default(1),
  /** Geodesic start–goal distance range (m) for the PointNav goal. */
  minGoalDistance: z.number().min(0).default(1),
  maxGoalDistance: z.number().min(0).default(Infinity),
});
/** What `generateArena` takes (see `ArenaOptionsSchema`). */
export type ArenaOptions = z.input<typeof ArenaOptionsSchema>;

/** A walled rectangular arena with scattered obstacles, a start and a goal, from a seed. */
export function generateArena(options: unknown): SceneSpec {
  const o = parseGeneratorOptions('arena', ArenaOptionsSchema, options);
  const t = o.wallThickness;
  const x0 = -o.width / 2 + t / 2;
  const x1 = o.width / 2 - t / 2;
  const z0 = -o.depth / 2 + t / 2;
  const z1 = o.depth / 2 - t / 2;
  const b = new SceneBuilder('arena', o.seed, [-o.width / 2, -o.depth / 2], [o.width / 2, o.depth / 2], o.randomize, o.robotRadius);
  const rng = b.rng;
  b.addWall(x0, z0, x1, z0, t, o.wallHeight);
  b.addWall(x0, z1, x1, z1, t, o.wallHeight);
  b.addWall(x0, z0, x0, z1, t, o.wallHeight);
  b.addWall(x1, z0, x1, z1, t, o.wallHeight);
  // ObjectNav objects first, against the walls or in the open, then the obstacles around them.
  const region = { x0, z0, x1, z1 };
  if (o.objects) b.placeObjects(o.objects, (category) => proposeFurniture(b, region, t, category));
  for (let k = 0; k < o.obstacles; k++) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const size = rng.uniform(0.25, 0.7);
      const x = rng.uniform(x0 + 0.5, x1 - 0.5);
      const zc = rng.uniform(z0 + 0.5, z1 - 0.5);
      const shape = rng.random() < 0.5 ? 'box' : 'cylinder';
      if (b.tryPlace(b.makeObstacle(x, zc, shape, size, rng.uniform(0.3, 1), rng.uniform(0, Math.PI / 2)))) break;
    }
  }
  if (o.objects) {
    // Top up any category the obstacles cut off.
    b.placeObjects(o.objects, (category) => proposeFurniture(b, region, t, category));
    const goals = b.objectGoals(o.objects);
    const start = b.pickStart();
    b.addDynamicObstacles(o.dynamic, start.position);
    return b.finish(start, goals);
  }
  const { start, goal } = b.pickStartAndGoal(o.minGoalDistance, o.maxGoalDistance);
  b.addDynamicObstacles(o.dynamic, start.position);
  return b.finish(start, [{ position: goal }]);
}
