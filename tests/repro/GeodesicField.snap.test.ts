/**
 * Regression: a robot pressed a few centimetres into the inflated border of a thin wall must be
 * matched to a free cell on its own side of the wall. Matching it to the cell with the lowest value
 * + hop within the snap range can pick a cell on the far side, so that `descentDirection` points
 * the robot into the wall and it stays there (as at a door-frame corner of PointNav-v0's test
 * scene 1018890).
 *
 * Worked by hand: a 2 cm wall along z = 1 from x = 0 to 9 m with a 5 cm inflation blocks the cells
 * whose centres lie within 5 cm of it, z ∈ (0.94, 1.06): the rows centred at 0.975 and 1.025. A
 * robot at z = 0.955 (in the 0.975 row, 3 cm from the last free row centre at 0.925) has free
 * cells on both sides within the 0.15 m snap range: its own side (hop 3 cm, about 16.5 m to the
 * goal round the wall's end at x = 9) and the far side (row 1.075, hop 12 cm, 0.4 m to the goal).
 */
import { describe, expect, it } from 'vitest';
import { GeodesicField } from '../../src/sim/GeodesicField.js';
import { OccupancyGrid } from '../../src/sim/OccupancyGrid.js';
import { parseSceneSpec } from '../../src/sim/SceneSpec.js';

const GREY = { color: [0.5, 0.5, 0.5] as [number, number, number], category: 1 };

function thinWallGrid(): OccupancyGrid {
  const spec = parseSceneSpec({
    version: 1,
    categories: ['void', 'thing'],
    floor: { min: [0, 0], max: [10, 2], material: GREY },
    primitives: [{ shape: 'box', position: [4.5, 1, 1], size: [9, 2, 0.02], material: GREY }],
    lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
    start: { position: [1, 0.5], yaw: 0 },
  });
  return OccupancyGrid.fromScene(spec, { inflate: 0.05 });
}

describe('GeodesicField snap (tests/repro)', () => {
  it('keeps a robot pressed into a thin wall on its own side', () => {
    const grid = thinWallGrid();
    const field = GeodesicField.compute(grid, [[1, 1.5]]);
    expect(grid.isFree(1, 0.955)).toBe(false);
    expect(grid.isFree(1, 0.925)).toBe(true);
    expect(grid.isFree(1, 1.075)).toBe(true);
    // Along its own corridor towards the wall's end (+x, heading 0), not through the wall (+z, heading −π/2).
    expect(field.descentDirection(1, 0.955)).toBeCloseTo(0, 1);
    // The way round: 8 m along, about 0.5 m round the end, 8 m back (m).
    expect(field.distance(1, 0.955)).toBeGreaterThan(16);
    // The path leaves the wall on the robot's side (z < 0.94 m).
    expect(field.shortestPath(1, 0.955)[1]![1]).toBeLessThan(0.94);
  });
});
