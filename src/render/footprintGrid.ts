/**
 * The acceleration grid of RenderScene: a uniform 2-D grid over the floor whose cells list (CSR)
 * the static primitives whose footprint's bounding rectangle overlaps them. Built once per scene;
 * RenderScene's gather walks it with a 2-D DDA.
 */

/** The static primitives' footprints, as SceneGeometry stores them (indices [0, staticCount)). */
export interface FootprintSource {
  readonly staticCount: number;
  /** Centre (m). */
  readonly cx: Float64Array;
  readonly cz: Float64Array;
  /** cos / sin of the yaw (rad). */
  readonly cosYaw: Float64Array;
  readonly sinYaw: Float64Array;
  /** Half extents (m) in the local frame (a disc's radius in both). */
  readonly halfX: Float64Array;
  readonly halfZ: Float64Array;
}

export interface FootprintGrid {
  /** Corner (m) of cell (0, 0): the lowest x and z of the grid. */
  x0: number;
  z0: number;
  cols: number;
  rows: number;
  /** CSR: the primitives of cell c are cellItems[cellStart[c] .. cellStart[c + 1]). Cell c = row·cols + col. */
  cellStart: Int32Array;
  cellItems: Int32Array;
}

/**
 * Grid of square cells of side `cellSize` (m) covering the floor rectangle (m) and every static
 * footprint, padded by half a cell so that footprints touching the boundary are never lost to rounding.
 */
export function buildFootprintGrid(
  prims: FootprintSource,
  floor: { min: readonly [number, number]; max: readonly [number, number] },
  cellSize: number,
): FootprintGrid {
  const n = prims.staticCount;
  const cell = cellSize;
  let x0 = floor.min[0];
  let z0 = floor.min[1];
  let x1 = floor.max[0];
  let z1 = floor.max[1];
  // Axis-aligned bounding rectangle (m) of each footprint.
  const fx0 = new Float64Array(n);
  const fz0 = new Float64Array(n);
  const fx1 = new Float64Array(n);
  const fz1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.abs(prims.cosYaw[i]!);
    const s = Math.abs(prims.sinYaw[i]!);
    const ex = prims.halfX[i]! * c + prims.halfZ[i]! * s;
    const ez = prims.halfX[i]! * s + prims.halfZ[i]! * c;
    fx0[i] = prims.cx[i]! - ex;
    fx1[i] = prims.cx[i]! + ex;
    fz0[i] = prims.cz[i]! - ez;
    fz1[i] = prims.cz[i]! + ez;
    x0 = Math.min(x0, fx0[i]!);
    z0 = Math.min(z0, fz0[i]!);
    x1 = Math.max(x1, fx1[i]!);
    z1 = Math.max(z1, fz1[i]!);
  }
  x0 -= cell / 2;
  z0 -= cell / 2;
  const cols = Math.max(1, Math.ceil((x1 + cell / 2 - x0) / cell));
  const rows = Math.max(1, Math.ceil((z1 + cell / 2 - z0) / cell));
  const cellRange = (v0: number, v1: number, origin: number, size: number): [number, number] => [
    Math.max(0, Math.floor((v0 - origin) / cell)),
    Math.min(size - 1, Math.floor((v1 - origin) / cell)),
  ];
  const forEachCell = (i: number, visit: (c: number) => void): void => {
    const [c0, c1] = cellRange(fx0[i]!, fx1[i]!, x0, cols);
    const [r0, r1] = cellRange(fz0[i]!, fz1[i]!, z0, rows);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) visit(r * cols + c);
  };
  // Counting sort into CSR: counts per cell, prefix sums, then fill.
  const cellStart = new Int32Array(cols * rows + 1);
  for (let i = 0; i < n; i++) forEachCell(i, (c) => cellStart[c + 1]!++);
  for (let c = 0; c < cols * rows; c++) cellStart[c + 1]! += cellStart[c]!;
  const cellItems = new Int32Array(cellStart[cols * rows]!);
  const fill = cellStart.slice(0, cols * rows);
  for (let i = 0; i < n; i++) forEachCell(i, (c) => (cellItems[fill[c]!++] = i));
  return { x0, z0, cols, rows, cellStart, cellItems };
}
