/**
 * GeodesicField: shortest-path distance (m) over the free cells of an OccupancyGrid to a goal set.
 *
 * Method: the fast marching method (first-order upwind solution of the eikonal equation |∇T| = 1,
 * Sethian 1996) on the 4-neighbour stencil, with the cells around each goal seeded with their exact
 * Euclidean distance. Why not 8-connected Dijkstra: its distances follow the octile metric and
 * overestimate by up to 8.2 % at 22.5° to the grid axes, and that error goes straight into SPL's
 * shortest-path length ℓ and the distance-to-goal reward. Fast marching propagates a front and
 * stays within about 1–2 % in every direction (tests check ≤ 3 % in open space), for the same
 * O(n log n) cost with a typed-array heap.
 *
 * Continuous queries interpolate bilinearly between cell centres; a query point in a blocked cell
 * (the robot brushing a wall stands within half a cell of the inflated border) falls back to the
 * nearest reachable cell within 0.5 m plus the straight hop to it.
 */
import { MinHeap } from './MinHeap.js';
import type { OccupancyGrid } from './OccupancyGrid.js';

export interface GeodesicFieldOptions {
  /**
   * Goal radius (m): every free cell within this distance of a goal and in sight of it counts as
   * reached (distance 0 on the goal disc, distance to the disc outside it). @default 0
   */
  radius: number;
  /** How far ahead (m) `descentDirection` looks along the shortest path for a visible waypoint. @default 1 */
  lookahead: number;
}

export const DEFAULT_GEODESIC_FIELD: GeodesicFieldOptions = { radius: 0, lookahead: 1 };

/** Furthest (m) a query in a blocked cell searches for a reachable cell. */
const SNAP_RANGE = 0.5;

const ACCEPTED = 2;
const TRIAL = 1;

export class GeodesicField {
  /** Distance (m) per cell, Infinity where blocked or unreachable. Index as in the grid. */
  readonly values: Float64Array;
  /** For seed cells: the goal index they were seeded from; -1 elsewhere. */
  private readonly seedGoal: Int32Array;
  private readonly goals: Array<[number, number]>;
  private readonly radius: number;
  private readonly lookahead: number;
  /** Scratch for the descent walk (cell indices), sized once for the lookahead. */
  private readonly walk: Int32Array;

  private constructor(
    readonly grid: OccupancyGrid,
    goals: Array<[number, number]>,
    options: GeodesicFieldOptions,
  ) {
    this.goals = goals.map(([x, z]) => [x, z]);
    this.radius = options.radius;
    this.lookahead = options.lookahead;
    const n = grid.cols * grid.rows;
    this.values = new Float64Array(n).fill(Infinity);
    this.seedGoal = new Int32Array(n).fill(-1);
    this.walk = new Int32Array(Math.ceil((2 * options.lookahead) / grid.cellSize) + 4);
  }

  static compute(
    grid: OccupancyGrid,
    goals: Array<[number, number]>,
    options: Partial<GeodesicFieldOptions> = {},
  ): GeodesicField {
    const opts = { ...DEFAULT_GEODESIC_FIELD, ...options };
    if (!(opts.radius >= 0)) throw new RangeError(`GeodesicField: radius must be >= 0 m, got ${opts.radius}`);
    if (!(opts.lookahead > 0)) throw new RangeError(`GeodesicField: lookahead must be > 0 m, got ${opts.lookahead}`);
    for (const [i, g] of goals.entries()) {
      if (!Number.isFinite(g[0]) || !Number.isFinite(g[1])) throw new RangeError(`GeodesicField: goals[${i}] is not a finite point: ${JSON.stringify(g)}`);
    }
    const field = new GeodesicField(grid, goals, opts);
    field.march();
    return field;
  }

  // ---- construction ------------------------------------------------------------------------

  private march(): void {
    const { grid, values } = this;
    const { cols, rows, free, cellSize: h } = grid;
    const state = new Uint8Array(cols * rows);
    const heap = new MinHeap(cols * rows, values);

    this.goals.forEach(([gx, gz], gi) => this.seed(gx, gz, gi, state, heap));

    while (heap.size > 0) {
      const i = heap.pop();
      state[i] = ACCEPTED;
      const r = (i / cols) | 0;
      const c = i - r * cols;
      // Update the four neighbours from their accepted neighbours (the upwind stencil).
      for (let k = 0; k < 4; k++) {
        const rr = k === 0 ? r - 1 : k === 1 ? r + 1 : r;
        const cc = k === 2 ? c - 1 : k === 3 ? c + 1 : c;
        if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
        const j = rr * cols + cc;
        if (free[j] === 0 || state[j] === ACCEPTED) continue;
        const a = Math.min(
          cc > 0 && state[j - 1] === ACCEPTED ? values[j - 1]! : Infinity,
          cc < cols - 1 && state[j + 1] === ACCEPTED ? values[j + 1]! : Infinity,
        );
        const b = Math.min(
          rr > 0 && state[j - cols] === ACCEPTED ? values[j - cols]! : Infinity,
          rr < rows - 1 && state[j + cols] === ACCEPTED ? values[j + cols]! : Infinity,
        );
        // Solve (T − a)² + (T − b)² = h² for the upwind T; with one usable neighbour T = min + h.
        const d = a - b;
        const t = Math.abs(d) >= h ? Math.min(a, b) + h : 0.5 * (a + b + Math.sqrt(2 * h * h - d * d));
        if (t < values[j]!) {
          values[j] = t;
          state[j] = TRIAL;
          heap.push(j);
        }
      }
    }
  }

  /**
   * Seed the cells near goal `gi` with their exact distance to it. A goal inside an obstacle (an
   * ObjectNav object's centre) is reached from the nearest free cells around it: the blocked core
   * around the goal is ignored when checking the line of sight.
   */
  private seed(gx: number, gz: number, gi: number, state: Uint8Array, heap: MinHeap): void {
    const { grid, values } = this;
    const { cols, rows, free, cellSize: h } = grid;
    const gc = Math.floor((gx - grid.originX) / h);
    const gr = Math.floor((gz - grid.originZ) / h);
    // Distance from the goal to its nearest free cell centre: the size of the blocked core (m).
    const maxRing = Math.ceil((SNAP_RANGE + this.radius) / h) + 2;
    let core = Infinity;
    for (let ring = 0; ring <= maxRing && core === Infinity; ring++) {
      for (let r = gr - ring; r <= gr + ring; r++) {
        for (let c = gc - ring; c <= gc + ring; c++) {
          if (Math.max(Math.abs(r - gr), Math.abs(c - gc)) !== ring) continue;
          if (r < 0 || c < 0 || r >= rows || c >= cols || free[r * cols + c] === 0) continue;
          core = Math.min(core, Math.hypot(grid.centerX(c) - gx, grid.centerZ(r) - gz));
        }
      }
    }
    if (core === Infinity) return; // no free cell near this goal: it is unreachable
    const reach = Math.max(this.radius, core) + 2 * h;
    const span = Math.ceil(reach / h) + 1;
    for (let r = Math.max(0, gr - span); r <= Math.min(rows - 1, gr + span); r++) {
      for (let c = Math.max(0, gc - span); c <= Math.min(cols - 1, gc + span); c++) {
        const i = r * cols + c;
        if (free[i] === 0) continue;
        const cx = grid.centerX(c);
        const cz = grid.centerZ(r);
        const e = Math.hypot(cx - gx, cz - gz);
        if (e > reach || !this.visibleFromGoal(cx, cz, gx, gz, core)) continue;
        const v = Math.max(0, e - this.radius);
        if (v < values[i]!) {
          values[i] = v;
          this.seedGoal[i] = gi;
          state[i] = TRIAL;
          heap.push(i);
        }
      }
    }
  }

  /** Line of sight from a cell centre to a goal, ignoring the blocked core (m) around the goal. */
  private visibleFromGoal(cx: number, cz: number, gx: number, gz: number, core: number): boolean {
    const len = Math.hypot(gx - cx, gz - cz);
    const open = len - core + this.grid.cellSize;
    if (open <= 0) return true;
    const t1 = open / len;
    return this.grid.segmentFree(cx, cz, cx + (gx - cx) * Math.min(1, t1), cz + (gz - cz) * Math.min(1, t1));
  }

  // ---- queries -----------------------------------------------------------------------------

  /** Geodesic distance (m) from (x, z) to the goal set; Infinity where unreachable. */
  distance(x: number, z: number): number {
    const { grid, values } = this;
    const { cols, rows, cellSize: h } = grid;
    const home = grid.cellOf(x, z);
    if (home >= 0 && this.seedGoal[home]! >= 0) {
      // Within a goal's seeded neighbourhood the distance is exact: straight to the goal.
      const [gx, gz] = this.goals[this.seedGoal[home]!]!;
      return Math.max(0, Math.hypot(x - gx, z - gz) - this.radius);
    }
    const fx = (x - grid.originX) / h - 0.5;
    const fz = (z - grid.originZ) / h - 0.5;
    const c0 = Math.floor(fx);
    const r0 = Math.floor(fz);
    const tx = fx - c0;
    const tz = fz - r0;
    let sum = 0;
    let wsum = 0;
    for (let k = 0; k < 4; k++) {
      const c = c0 + (k & 1);
      const r = r0 + (k >> 1);
      if (c < 0 || r < 0 || c >= cols || r >= rows) continue;
      const v = values[r * cols + c]!;
      if (v === Infinity) continue;
      const w = ((k & 1) === 1 ? tx : 1 - tx) * ((k >> 1) === 1 ? tz : 1 - tz);
      sum += w * v;
      wsum += w;
    }
    if (wsum > 1e-9) return sum / wsum;
    return this.snapDistance(x, z);
  }

  /** Nearest reachable cell within SNAP_RANGE: its value plus the straight hop to it (m). */
  private snapDistance(x: number, z: number): number {
    const i = this.snapCell(x, z);
    if (i < 0) return Infinity;
    const { grid } = this;
    const r = (i / grid.cols) | 0;
    const c = i - r * grid.cols;
    return this.values[i]! + Math.hypot(grid.centerX(c) - x, grid.centerZ(r) - z);
  }

  /** The cell minimising value + hop within SNAP_RANGE of (x, z), -1 if none is reachable. */
  private snapCell(x: number, z: number): number {
    const { grid, values } = this;
    const { cols, rows, cellSize: h } = grid;
    const span = Math.ceil(SNAP_RANGE / h);
    const pc = Math.floor((x - grid.originX) / h);
    const pr = Math.floor((z - grid.originZ) / h);
    let best = Infinity;
    let bestCell = -1;
    for (let r = Math.max(0, pr - span); r <= Math.min(rows - 1, pr + span); r++) {
      for (let c = Math.max(0, pc - span); c <= Math.min(cols - 1, pc + span); c++) {
        const v = values[r * cols + c]!;
        if (v === Infinity) continue;
        const hop = Math.hypot(grid.centerX(c) - x, grid.centerZ(r) - z);
        if (hop > SNAP_RANGE) continue;
        if (v + hop < best) {
          best = v + hop;
          bestCell = r * cols + c;
        }
      }
    }
    return bestCell;
  }

  /** The cell a walk from (x, z) starts at: its own cell if reachable, else the snapped one. */
  private startCell(x: number, z: number): number {
    const home = this.grid.cellOf(x, z);
    if (home >= 0 && this.values[home]! < Infinity) return home;
    return this.snapCell(x, z);
  }

  /** The 8-neighbour of cell `i` with the smallest value below its own, -1 at a seed or a minimum. */
  private downhill(i: number): number {
    const { grid, values } = this;
    const { cols, rows, free } = grid;
    const r = (i / cols) | 0;
    const c = i - r * cols;
    let best = values[i]!;
    let bestCell = -1;
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        if (dr === 0 && dc === 0) continue;
        const rr = r + dr;
        const cc = c + dc;
        if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
        // No corner cutting: a diagonal step needs both side cells free.
        if (dr !== 0 && dc !== 0 && (free[r * cols + cc] === 0 || free[rr * cols + c] === 0)) continue;
        const v = values[rr * cols + cc]!;
        if (v < best) {
          best = v;
          bestCell = rr * cols + cc;
        }
      }
    }
    return bestCell;
  }

  /**
   * The shortest path from (x, z) to the nearest goal as world points [x, z] (m): steepest descent
   * over the field, then shortened by cutting every corner the free cells allow (string pulling).
   * Starts at (x, z) and ends at the goal point; empty when (x, z) cannot reach a goal.
   */
  shortestPath(x: number, z: number): Array<[number, number]> {
    const { grid } = this;
    let i = this.startCell(x, z);
    if (i < 0) return [];
    const cells: Array<[number, number]> = [];
    while (i >= 0) {
      const r = (i / grid.cols) | 0;
      cells.push([grid.centerX(i - r * grid.cols), grid.centerZ(r)]);
      if (this.seedGoal[i]! >= 0) break;
      i = this.downhill(i);
    }
    const goal = i >= 0 ? this.goals[this.seedGoal[i]!]! : cells[cells.length - 1]!;
    const path: Array<[number, number]> = [[x, z]];
    let anchor: [number, number] = [x, z];
    let k = 0;
    while (k < cells.length) {
      // Advance while the anchor still sees the next cell centre; keep the last visible one.
      let j = k;
      while (j + 1 < cells.length && grid.segmentFree(anchor[0], anchor[1], cells[j + 1]![0], cells[j + 1]![1])) j++;
      anchor = cells[j]!;
      path.push(anchor);
      k = j + 1;
    }
    path.push([goal[0], goal[1]]);
    return path;
  }

  /**
   * The heading (rad, yaw convention: forward = (cos θ, −sin θ)) from (x, z) towards the farthest
   * point of the shortest path, within `lookahead` metres, that is in straight sight: the direction
   * that reduces the geodesic distance fastest without clipping corners. NaN where unreachable.
   */
  descentDirection(x: number, z: number): number {
    const { grid, walk } = this;
    let i = this.startCell(x, z);
    if (i < 0) return NaN;
    let n = 0;
    let goalIndex = -1;
    const maxSteps = walk.length;
    const limit = this.values[i]! - this.lookahead;
    while (i >= 0 && n < maxSteps) {
      walk[n++] = i;
      if (this.seedGoal[i]! >= 0) {
        goalIndex = this.seedGoal[i]!;
        break;
      }
      if (this.values[i]! < limit) break;
      i = this.downhill(i);
    }
    if (goalIndex >= 0) {
      const [gx, gz] = this.goals[goalIndex]!;
      if (Math.hypot(gx - x, gz - z) > 1e-9) return Math.atan2(-(gz - z), gx - x);
    }
    // The farthest visible cell of the walk; the first one is always taken as a fallback.
    let tx = 0;
    let tz = 0;
    for (let k = n - 1; k >= 0; k--) {
      const cell = walk[k]!;
      const r = (cell / grid.cols) | 0;
      const cx = grid.centerX(cell - r * grid.cols);
      const cz = grid.centerZ(r);
      tx = cx;
      tz = cz;
      if (k === 0 || grid.segmentFree(x, z, cx, cz)) break;
    }
    if (Math.hypot(tx - x, tz - z) < 1e-9) return NaN;
    return Math.atan2(-(tz - z), tx - x);
  }
}
