import { describe, expect, it } from 'vitest';
import { buildFootprintGrid, type FootprintSource } from '../../src/render/footprintGrid.js';

/** Axis-aligned boxes given by centre (m) and half extents (m). */
function boxes(list: Array<[cx: number, cz: number, hx: number, hz: number]>): FootprintSource {
  const n = list.length;
  const src = {
    staticCount: n,
    cx: new Float64Array(list.map((b) => b[0])),
    cz: new Float64Array(list.map((b) => b[1])),
    cosYaw: new Float64Array(n).fill(1),
    sinYaw: new Float64Array(n),
    halfX: new Float64Array(list.map((b) => b[2])),
    halfZ: new Float64Array(list.map((b) => b[3])),
  };
  return src;
}

/** The primitives listed in cell (row, col). */
function cellList(grid: ReturnType<typeof buildFootprintGrid>, row: number, col: number): number[] {
  const c = row * grid.cols + col;
  return Array.from(grid.cellItems.subarray(grid.cellStart[c]!, grid.cellStart[c + 1]!));
}

describe('buildFootprintGrid', () => {
  it('covers the floor padded by half a cell and lists each box in the cells its rectangle overlaps', () => {
    // Floor [0, 4] × [0, 2] m, 1 m cells: origin (−0.5, −0.5), 5 × 3 cells up to (4.5, 2.5).
    // Box 0 spans x ∈ [0.8, 1.2], z ∈ [0.2, 0.4]: columns 1–1 (−0.5 + 1 = 0.5 ≤ x < 1.5), row 0.
    // Box 1 spans x ∈ [2.4, 3.6], z ∈ [1.4, 1.6]: columns 2–4, rows 1–2.
    const grid = buildFootprintGrid(
      boxes([
        [1, 0.3, 0.2, 0.1],
        [3, 1.5, 0.6, 0.1],
      ]),
      { min: [0, 0], max: [4, 2] },
      1,
    );
    expect([grid.x0, grid.z0, grid.cols, grid.rows]).toEqual([-0.5, -0.5, 5, 3]);
    expect(cellList(grid, 0, 1)).toEqual([0]);
    for (const [r, c] of [
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 2],
      [2, 3],
      [2, 4],
    ] as const)
      expect(cellList(grid, r, c)).toEqual([1]);
    expect(grid.cellItems.length).toBe(7);
    expect(cellList(grid, 0, 0)).toEqual([]);
  });

  it('grows the grid over a footprint beyond the floor, using the rotated rectangle', () => {
    // A 2 × 0.2 m box at x = 5 m turned 90°: its rectangle is x ∈ [4.9, 5.1], z ∈ [0, 2].
    const src = boxes([[5, 1, 1, 0.1]]);
    src.cosYaw[0] = Math.cos(Math.PI / 2);
    src.sinYaw[0] = Math.sin(Math.PI / 2);
    const grid = buildFootprintGrid(src, { min: [0, 0], max: [2, 2] }, 1);
    // Columns from x0 = −0.5 over (5.1 + 0.5) − (−0.5) = 6.1 m: 7 of 1 m; the box is in column
    // floor((4.9 + 0.5) / 1) = 5 of rows 0–2.
    expect(grid.cols).toBe(7);
    for (const r of [0, 1, 2]) expect(cellList(grid, r, 5)).toEqual([0]);
    expect(cellList(grid, 1, 4)).toEqual([]);
  });
});
