/**
 * OccupancyGrid: the scene rasterised on the floor plane, inflated by the robot radius, so a cell
 * is free exactly when the robot's centre may stand at the cell centre without touching anything.
 *
 * Cell (row, col) covers x ∈ [originX + col·cellSize, originX + (col+1)·cellSize) and the same
 * along z for rows; flat index = row·cols + col (col along +x, row along +z). The grid covers the
 * floor rectangle; the floor's edge counts as a wall (the physics world fences it the same way).
 * Dynamic bodies are not rasterised: they move, and planners treat them as transient.
 */
import type { SceneSpec } from './SceneSpec.js';
import { distanceToFootprint, footprintBounds, footprintOf } from './footprint.js';

/** Cell size, inflation and robot height (m) of an occupancy grid. */
export interface OccupancyGridOptions {
  /** Cell side (m). @default 0.05 */
  cellSize: number;
  /** Inflation radius (m): the robot radius. @default 0.18 */
  inflate: number;
  /** Height (m) of the robot: primitives wholly above it do not block. @default 0.6 */
  robotHeight: number;
}

/** The defaults: 5 cm cells, inflated by the 0.18 m robot radius, obstacles below 0.6 m. */
export const DEFAULT_OCCUPANCY_GRID: OccupancyGridOptions = { cellSize: 0.05, inflate: 0.18, robotHeight: 0.6 };

/** Where the robot centre may be in a scene: a grid of free cells, obstacles inflated by the robot radius. */
export class OccupancyGrid {
  /** 1 where the robot centre may be, 0 where it would touch an obstacle or leave the floor. */
  readonly free: Uint8Array;

  constructor(
    readonly cellSize: number,
    readonly cols: number,
    readonly rows: number,
    readonly originX: number,
    readonly originZ: number,
    free: Uint8Array,
    /** The inflation radius (m) the grid was built with. */
    readonly inflate: number,
  ) {
    if (free.length !== cols * rows) throw new RangeError(`OccupancyGrid: free has ${free.length} cells, expected ${cols}×${rows}`);
    this.free = free;
  }

  static fromScene(spec: Pick<SceneSpec, 'floor' | 'primitives'>, options: Partial<OccupancyGridOptions> = {}): OccupancyGrid {
    const { cellSize, inflate, robotHeight } = { ...DEFAULT_OCCUPANCY_GRID, ...options };
    if (!(cellSize > 0)) throw new RangeError(`OccupancyGrid: cellSize must be > 0 m, got ${cellSize}`);
    if (!(inflate >= 0)) throw new RangeError(`OccupancyGrid: inflate must be >= 0 m, got ${inflate}`);
    const [minX, minZ] = spec.floor.min;
    const [maxX, maxZ] = spec.floor.max;
    // The small epsilon keeps a 10 m floor at 0.05 m cells at exactly 200 cells despite rounding.
    const cols = Math.max(1, Math.ceil((maxX - minX) / cellSize - 1e-9));
    const rows = Math.max(1, Math.ceil((maxZ - minZ) / cellSize - 1e-9));
    const free = new Uint8Array(cols * rows);
    for (let r = 0; r < rows; r++) {
      const cz = minZ + (r + 0.5) * cellSize;
      const insideZ = cz - minZ >= inflate && maxZ - cz >= inflate;
      for (let c = 0; c < cols; c++) {
        const cx = minX + (c + 0.5) * cellSize;
        free[r * cols + c] = insideZ && cx - minX >= inflate && maxX - cx >= inflate ? 1 : 0;
      }
    }
    for (const p of spec.primitives) {
      const f = footprintOf(p, robotHeight);
      if (f === null) continue;
      // Only the cells inside the inflated bounding box can be touched.
      const [bx0, bz0, bx1, bz1] = footprintBounds(f, inflate);
      const c0 = Math.max(0, Math.floor((bx0 - minX) / cellSize));
      const c1 = Math.min(cols - 1, Math.floor((bx1 - minX) / cellSize));
      const r0 = Math.max(0, Math.floor((bz0 - minZ) / cellSize));
      const r1 = Math.min(rows - 1, Math.floor((bz1 - minZ) / cellSize));
      for (let r = r0; r <= r1; r++) {
        const cz = minZ + (r + 0.5) * cellSize;
        for (let c = c0; c <= c1; c++) {
          const i = r * cols + c;
          if (free[i] === 0) continue;
          // A centre inside the footprint (distance 0) is blocked even without inflation.
          const d = distanceToFootprint(f, minX + (c + 0.5) * cellSize, cz);
          if (d < inflate || d === 0) free[i] = 0;
        }
      }
    }
    return new OccupancyGrid(cellSize, cols, rows, minX, minZ, free, inflate);
  }

  /** Flat index of the cell holding (x, z) (m), or -1 outside the grid. */
  cellOf(x: number, z: number): number {
    const c = Math.floor((x - this.originX) / this.cellSize);
    const r = Math.floor((z - this.originZ) / this.cellSize);
    if (c < 0 || r < 0 || c >= this.cols || r >= this.rows) return -1;
    return r * this.cols + c;
  }

  isFree(x: number, z: number): boolean {
    const i = this.cellOf(x, z);
    return i >= 0 && this.free[i] === 1;
  }

  /** World x (m) of a column's cell centre. */
  centerX(col: number): number {
    return this.originX + (col + 0.5) * this.cellSize;
  }

  /** World z (m) of a row's cell centre. */
  centerZ(row: number): number {
    return this.originZ + (row + 0.5) * this.cellSize;
  }

  /** Number of free cells. */
  freeCount(): number {
    let n = 0;
    for (let i = 0; i < this.free.length; i++) n += this.free[i]!;
    return n;
  }

  /**
   * True when the straight segment from (ax, az) to (bx, bz) (m) stays on free cells, sampled every
   * half cell: the robot can drive it without touching a static obstacle.
   */
  segmentFree(ax: number, az: number, bx: number, bz: number): boolean {
    const len = Math.hypot(bx - ax, bz - az);
    const n = Math.max(1, Math.ceil(len / (0.5 * this.cellSize)));
    for (let k = 0; k <= n; k++) {
      const t = k / n;
      if (!this.isFree(ax + (bx - ax) * t, az + (bz - az) * t)) return false;
    }
    return true;
  }

  /**
   * The cell a step from cell `i` by (dr, dc) rows and columns (each −1, 0 or 1) lands on, or -1
   * when that leaves the grid or is a diagonal step past a blocked side cell (it would cut a wall
   * corner). Whether the landing cell itself is free is the caller's test.
   */
  neighbour(i: number, dr: number, dc: number): number {
    const { cols, rows, free } = this;
    const r = (i / cols) | 0;
    const c = i - r * cols;
    const rr = r + dr;
    const cc = c + dc;
    if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) return -1;
    if (dr !== 0 && dc !== 0 && (free[r * cols + cc] === 0 || free[rr * cols + c] === 0)) return -1;
    return rr * cols + cc;
  }

  /**
   * Connected components of free cells (8-connected, no corner cutting): a label per cell
   * (-1 for blocked) and the size of each component.
   */
  components(): { labels: Int32Array; sizes: number[] } {
    const { cols, rows, free } = this;
    const labels = new Int32Array(cols * rows).fill(-1);
    const queue = new Int32Array(cols * rows);
    const sizes: number[] = [];
    for (let s = 0; s < free.length; s++) {
      if (free[s] === 0 || labels[s] !== -1) continue;
      const label = sizes.length;
      let head = 0;
      let tail = 0;
      queue[tail++] = s;
      labels[s] = label;
      while (head < tail) {
        const i = queue[head++]!;
        for (let dr = -1; dr <= 1; dr++) {
          for (let dc = -1; dc <= 1; dc++) {
            if (dr === 0 && dc === 0) continue;
            const j = this.neighbour(i, dr, dc);
            if (j < 0 || free[j] === 0 || labels[j] !== -1) continue;
            labels[j] = label;
            queue[tail++] = j;
          }
        }
      }
      sizes.push(tail);
    }
    return { labels, sizes };
  }
}
