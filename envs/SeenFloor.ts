/**
 * The reachable floor a robot has seen this episode: what Explore rewards and ends on, and what
 * ObjectNav's `coverageReward` pays for (an exploration reward, Ye et al. 2021).
 *
 * "Seen" is geometric, not rendered: `rays` sight lines spread over a horizontal field of view reach
 * out to `viewRange` and stop at the first obstacle that rises to the camera's height, so the floor
 * behind a sofa counts but the room behind a wall does not. Only cells of the reachable floor count.
 */
import { verticalExtent } from '../src/sim/footprint.js';
import { OccupancyGrid } from '../src/sim/OccupancyGrid.js';
import type { SceneSpec } from '../src/sim/SceneSpec.js';

/** How far and how wide the robot looks for floor. */
export interface SightOptions {
  /** How far (m) the robot sees floor. */
  viewRange: number;
  /** Sight lines per look, spread evenly over `fov`. */
  rays: number;
  /** Horizontal field of view (rad) of the sight lines. */
  fov: number;
}

/** Explore's defaults, which ObjectNav's coverage reward shares. */
export const DEFAULT_VIEW_RANGE = 3;
export const DEFAULT_SIGHT_RAYS = 41;

/**
 * The obstacles that stop a sight line from a camera `cameraHeight` (m) up: the primitives that
 * reach that height (walls, shelves); anything lower is seen over. Not inflated.
 */
export function sightObstacles(scene: SceneSpec, cellSize: number, cameraHeight: number): OccupancyGrid {
  const primitives = scene.primitives.filter((p) => {
    const [bottom, top] = verticalExtent(p);
    return bottom < cameraHeight && top >= cameraHeight;
  });
  return OccupancyGrid.fromScene({ floor: scene.floor, primitives }, { cellSize, inflate: 0, robotHeight: Infinity });
}

/** Seen reachable floor of one scene, cleared at each episode's start. */
export class SeenFloor {
  /** Number of reachable cells (what coverage divides by). */
  readonly reachableCount: number;
  /** 1 on cells of the reachable floor. */
  private readonly reachable: Uint8Array;
  /** 1 on cells seen since the last `clear`. */
  private readonly seen: Uint8Array;
  private seenCount = 0;
  private readonly cellArea: number;

  /**
   * @param grid the scene's navigation grid (cell indices of `reachableCells` refer to it)
   * @param reachableCells flat indices of the reachable floor
   * @param visibility obstacles that stop a sight line (`sightObstacles`), on the same cells as `grid`
   * @throws RangeError when `visibility`'s cells are not `grid`'s
   */
  constructor(
    private readonly grid: OccupancyGrid,
    reachableCells: Int32Array,
    private readonly visibility: OccupancyGrid,
    private readonly sight: SightOptions,
  ) {
    const same =
      visibility.cols === grid.cols &&
      visibility.rows === grid.rows &&
      visibility.cellSize === grid.cellSize &&
      visibility.originX === grid.originX &&
      visibility.originZ === grid.originZ;
    if (!same) throw new RangeError("SeenFloor: the visibility grid must have the navigation grid's cells");
    this.reachable = new Uint8Array(grid.cols * grid.rows);
    for (const cell of reachableCells) this.reachable[cell] = 1;
    this.reachableCount = reachableCells.length;
    this.seen = new Uint8Array(grid.cols * grid.rows);
    this.cellArea = grid.cellSize * grid.cellSize;
  }

  /** Forget everything seen (a new episode in the same scene). */
  clear(): void {
    this.seen.fill(0);
    this.seenCount = 0;
  }

  /** Fraction of the reachable floor seen since the last `clear`. */
  get coverage(): number {
    return this.reachableCount === 0 ? 0 : this.seenCount / this.reachableCount;
  }

  /** Seen reachable floor (m²). */
  get area(): number {
    return this.seenCount * this.cellArea;
  }

  /** Has the cell (a flat index of the grid) been seen since the last `clear`? */
  hasSeen(cell: number): boolean {
    return this.seen[cell] === 1;
  }

  /** Mark what is in view from (x, z) facing `yaw`; returns the newly seen reachable floor (m²). */
  look(x: number, z: number, yaw: number): number {
    const { viewRange, rays, fov } = this.sight;
    // One cell index per sample serves both grids: they share their cells.
    const free = this.visibility.free;
    const stepLength = 0.5 * this.grid.cellSize;
    const steps = Math.ceil(viewRange / stepLength);
    let fresh = 0;
    for (let k = 0; k < rays; k++) {
      const angle = yaw + fov * (0.5 - k / (rays - 1));
      // Forward at yaw θ is (cos θ, −sin θ) in (x, z).
      const dx = Math.cos(angle) * stepLength;
      const dz = -Math.sin(angle) * stepLength;
      for (let s = 1; s <= steps; s++) {
        const px = x + dx * s;
        const pz = z + dz * s;
        const cell = this.grid.cellOf(px, pz);
        if (cell < 0 || free[cell] === 0) break;
        if (this.reachable[cell] === 1 && this.seen[cell] === 0) {
          this.seen[cell] = 1;
          fresh++;
        }
      }
    }
    this.seenCount += fresh;
    return fresh * this.cellArea;
  }
}
