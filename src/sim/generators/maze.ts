/**
 * `maze`: a perfect grid maze carved by the recursive backtracker (randomised depth-first search):
 * exactly one route between any two cells, long corridors and many dead ends. Wall segments on one
 * line are merged into single boxes, so a 7 × 7 maze is a few dozen primitives.
 */
import { z } from 'zod';
import type { SceneSpec } from '../SceneSpec.js';
import { objectHalfExtents } from '../categories.js';
import { SceneBuilder } from './SceneBuilder.js';
import { baseOptionsSchema, parseGeneratorOptions } from './options.js';

/** The options of the maze generator: rows and columns of cells, cell size and walls (m), start–goal distances. */
export const MazeOptionsSchema = baseOptionsSchema.extend({
  /** Cells along z. */
  rows: z.number().int().min(2).max(40).default(7),
  /** Cells along x. */
  cols: z.number().int().min(2).max(40).default(7),
  /** Cell side between wall centre lines (m); must leave room for the robot. */
  cellSize: z.number().min(0.7).max(5).default(1),
  wallThickness: z.number().min(0.02).max(0.3).default(0.1),
  wallHeight: z.number().min(0.5).max(5).default(1.5),
  /** Geodesic start–goal distance range (m); by default at least half the maze's width. */
  minGoalDistance: z.number().min(0).optional(),
  maxGoalDistance: z.number().min(0).default(Infinity),
});
/** What `generateMaze` takes (see `MazeOptionsSchema`). */
export type MazeOptions = z.input<typeof MazeOptionsSchema>;

/** A perfect maze of square cells with a start and a goal, from a seed. */
export function generateMaze(options: unknown): SceneSpec {
  const o = parseGeneratorOptions('maze', MazeOptionsSchema, options);
  const { rows, cols, cellSize: s, wallThickness: t, wallHeight: h } = o;
  const w = cols * s;
  const d = rows * s;
  // Wall centre lines run on the cell borders x = 0..w, z = 0..d; the floor covers the outer walls.
  const b = new SceneBuilder('maze', o.seed, [-t / 2, -t / 2], [w + t / 2, d + t / 2], o.randomize, o.robotRadius);
  const rng = b.rng;

  // open[r*cols+c] bit 0: passage to the east (c+1), bit 1: passage to the south (r+1).
  const open = new Uint8Array(rows * cols);
  const visited = new Uint8Array(rows * cols);
  const stack = new Int32Array(rows * cols);
  const choices = new Int32Array(4);
  let top = 0;
  stack[top++] = rng.int(rows * cols);
  visited[stack[0]!] = 1;
  while (top > 0) {
    const cell = stack[top - 1]!;
    const r = (cell / cols) | 0;
    const c = cell - r * cols;
    let n = 0;
    if (r > 0 && !visited[cell - cols]) choices[n++] = cell - cols;
    if (r < rows - 1 && !visited[cell + cols]) choices[n++] = cell + cols;
    if (c > 0 && !visited[cell - 1]) choices[n++] = cell - 1;
    if (c < cols - 1 && !visited[cell + 1]) choices[n++] = cell + 1;
    if (n === 0) {
      top--;
      continue;
    }
    const next = choices[rng.int(n)]!;
    if (next === cell + 1) open[cell] |= 1;
    else if (next === cell - 1) open[next] |= 1;
    else if (next === cell + cols) open[cell] |= 2;
    else open[next] |= 2;
    visited[next] = 1;
    stack[top++] = next;
  }

  // Horizontal walls on z = r·s (r = 0..rows), merged into runs along x.
  for (let r = 0; r <= rows; r++) {
    let runStart = -1;
    for (let c = 0; c <= cols; c++) {
      const wall = c < cols && (r === 0 || r === rows || (open[(r - 1) * cols + c]! & 2) === 0);
      if (wall && runStart < 0) runStart = c;
      if (!wall && runStart >= 0) {
        b.addWall(runStart * s, r * s, c * s, r * s, t, h);
        runStart = -1;
      }
    }
  }
  // Vertical walls on x = c·s (c = 0..cols), merged into runs along z.
  for (let c = 0; c <= cols; c++) {
    let runStart = -1;
    for (let r = 0; r <= rows; r++) {
      const wall = r < rows && (c === 0 || c === cols || (open[r * cols + c - 1]! & 1) === 0);
      if (wall && runStart < 0) runStart = r;
      if (!wall && runStart >= 0) {
        b.addWall(c * s, runStart * s, c * s, r * s, t, h);
        runStart = -1;
      }
    }
  }

  if (o.objects) {
    b.placeObjects(o.objects, (category) => {
      // Objects go into dead ends (one opening), against the wall facing the opening, shrunk to fit.
      const cell = rng.int(rows * cols);
      const r = (cell / cols) | 0;
      const c = cell - r * cols;
      const east = c < cols - 1 && (open[cell]! & 1) !== 0;
      const west = c > 0 && (open[cell - 1]! & 1) !== 0;
      const south = r < rows - 1 && (open[cell]! & 2) !== 0;
      const north = r > 0 && (open[cell - cols]! & 2) !== 0;
      if (Number(east) + Number(west) + Number(south) + Number(north) !== 1) return null;
      const [hx, hz] = objectHalfExtents(category, 1);
      const scale = Math.min(1, (s - t - 0.1) / (2 * Math.max(hx, hz)));
      const depth = objectHalfExtents(category, scale)[1];
      const cx = (c + 0.5) * s;
      const cz = (r + 0.5) * s;
      const back = s / 2 - t / 2 - depth - 0.03; // centre offset from the cell centre towards the closed end (m)
      // Local x along the back wall: yaw 0 for walls on z = const, π/2 for walls on x = const.
      const [x, zc, yaw] = east
        ? [cx - back, cz, Math.PI / 2]
        : west
          ? [cx + back, cz, Math.PI / 2]
          : south
            ? [cx, cz - back, 0]
            : [cx, cz + back, 0];
      return { primitive: b.makeObject(category, x, zc, yaw, scale), place: { anyWallGap: true } };
    });
    const goals = b.objectGoals(o.objects);
    const start = b.pickStart();
    b.addDynamicObstacles(o.dynamic, start.position);
    return b.finish(start, goals);
  }
  const { start, goal } = b.pickStartAndGoal(o.minGoalDistance ?? Math.max(w, d) / 2, o.maxGoalDistance);
  b.addDynamicObstacles(o.dynamic, start.position);
  return b.finish(start, [{ position: goal }]);
}
