import { describe, expect, it } from 'vitest';
import { GeodesicField } from '../../src/sim/GeodesicField.js';
import { OccupancyGrid } from '../../src/sim/OccupancyGrid.js';
import { parseSceneSpec, type SceneSpec, type SceneSpecInput } from '../../src/sim/SceneSpec.js';

const GREY = { color: [0.5, 0.5, 0.5] as [number, number, number], category: 1 };

function scene(min: [number, number], max: [number, number], primitives: SceneSpecInput['primitives']): SceneSpec {
  return parseSceneSpec({
    version: 1,
    categories: ['void', 'thing'],
    floor: { min, max, material: GREY },
    primitives,
    lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
    start: { position: [min[0] + 0.5, min[1] + 0.5], yaw: 0 },
  });
}

const box = (x: number, z: number, sx: number, sz: number) => ({
  shape: 'box' as const,
  position: [x, 1, z] as [number, number, number],
  size: [sx, 2, sz] as [number, number, number],
  material: GREY,
});

/** Heading (rad, yaw convention) of the direction (dx, dz). */
const heading = (dx: number, dz: number): number => Math.atan2(-dz, dx);

describe('GeodesicField', () => {
  it('straight corridor: distance = length along it', () => {
    // 10 m × 1 m corridor: free centre band z ∈ [0.18, 0.82].
    const grid = OccupancyGrid.fromScene(scene([0, 0], [10, 1], []));
    const field = GeodesicField.compute(grid, [[9, 0.5]]);
    expect(field.distance(9, 0.5)).toBe(0);
    expect(field.distance(9.03, 0.54)).toBeCloseTo(0.05, 9);
    for (const x of [1, 3.3, 5, 8]) {
      const d = field.distance(x, 0.5);
      expect(d).toBeGreaterThan((9 - x) * 0.995);
      expect(d).toBeLessThan((9 - x) * 1.01);
    }
  });

  it('open floor: fast marching is within 1.5 % of the Euclidean distance in every direction', () => {
    const grid = OccupancyGrid.fromScene(scene([-5, -5], [5, 5], []));
    const field = GeodesicField.compute(grid, [[0, 0]]);
    for (let k = 0; k < 32; k++) {
      const a = (k / 32) * 2 * Math.PI;
      const d = field.distance(4 * Math.cos(a), 4 * Math.sin(a));
      expect(d).toBeGreaterThan(4 * 0.995);
      expect(d).toBeLessThan(4 * 1.015);
    }
  });

  it('around a wall: matches the hand-computed tangent–arc–tangent path', () => {
    // A 0.2 m wall from z = 0 to z = 4 at x = 3 on a 6 × 6 m floor; inflated by r = 0.18 its top
    // corners become quarter discs around A = (2.9, 4) and B = (3.1, 4).
    // From P = (1.5, 1): |PA| = √(1.4² + 3²) = 3.3106, tangent = √(|PA|² − r²) = 3.3057; the arc over
    // A runs from the tangent point (at 158.1°) to the top (90°): 1.1886 rad × 0.18 = 0.2140 m.
    // By symmetry the path to Q = (4.5, 1) is 2 × (3.3057 + 0.2140) + 0.2 (A to B) = 7.2394 m.
    const grid = OccupancyGrid.fromScene(scene([0, 0], [6, 6], [box(3, 2, 0.2, 4)]));
    const field = GeodesicField.compute(grid, [[4.5, 1]]);
    // Fast marching overestimates by a few per cent once the front has wrapped around a corner.
    const d = field.distance(1.5, 1);
    expect(d).toBeGreaterThan(7.2394 * 0.995);
    expect(d).toBeLessThan(7.2394 * 1.035);
    // The descent heads for the tangent point T = A + r(cos 158.1°, sin 158.1°) = (2.733, 4.067).
    expect(field.descentDirection(1.5, 1)).toBeCloseTo(heading(2.733 - 1.5, 4.067 - 1), 1);
    // The shortest path: free straight legs, about as long as the distance, ending at the goal.
    const path = field.shortestPath(1.5, 1);
    expect(path[0]).toEqual([1.5, 1]);
    expect(path[path.length - 1]).toEqual([4.5, 1]);
    let length = 0;
    for (let i = 1; i < path.length; i++) {
      const [ax, az] = path[i - 1]!;
      const [bx, bz] = path[i]!;
      length += Math.hypot(bx - ax, bz - az);
      expect(grid.segmentFree(ax, az, bx, bz)).toBe(true);
    }
    expect(length).toBeGreaterThan(7.2394 * 0.99);
    expect(length).toBeLessThan(7.2394 * 1.025);
    expect(field.pathLength(1.5, 1)).toBeCloseTo(length, 12);
    expect(field.pathLength(1.5, 1)).toBeLessThan(d);
  });

  it('unreachable: Infinity, an empty path and NaN heading', () => {
    // A closed 2 × 2 m room in the corner; the goal is outside it.
    const walls = [box(1, 2.05, 2.2, 0.1), box(2.05, 1, 0.1, 2.2)];
    const grid = OccupancyGrid.fromScene(scene([0, 0], [6, 6], walls));
    const field = GeodesicField.compute(grid, [[5, 5]]);
    expect(field.distance(1, 1)).toBe(Infinity);
    expect(field.shortestPath(1, 1)).toEqual([]);
    expect(field.pathLength(1, 1)).toBe(Infinity);
    expect(field.descentDirection(1, 1)).toBeNaN();
    expect(field.distance(4, 4)).toBeLessThan(Infinity);
    // No goal at all: everything unreachable.
    expect(GeodesicField.compute(grid, []).distance(4, 4)).toBe(Infinity);
  });

  it('a goal inside an obstacle (an object) is reached from the free cells around it', () => {
    const plant = { shape: 'cylinder' as const, position: [5, 0.5, 5] as [number, number, number], radius: 0.3, height: 1, material: GREY };
    const grid = OccupancyGrid.fromScene(scene([0, 0], [10, 10], [plant]));
    expect(grid.isFree(5, 5)).toBe(false);
    const field = GeodesicField.compute(grid, [[5, 5]]);
    expect(field.distance(7, 5)).toBeCloseTo(2, 1);
    expect(field.distance(5, 8)).toBeCloseTo(3, 1);
  });

  it('goal radius: zero on the goal disc, distance to the disc outside it', () => {
    const grid = OccupancyGrid.fromScene(scene([-5, -5], [5, 5], []));
    const field = GeodesicField.compute(grid, [[0, 0]], { radius: 1 });
    expect(field.distance(0.5, 0.3)).toBe(0);
    const d = field.distance(3, 0);
    expect(d).toBeGreaterThan(2 * 0.99);
    expect(d).toBeLessThan(2 * 1.03);
  });

  it('several goals: the nearest one counts', () => {
    const grid = OccupancyGrid.fromScene(scene([0, 0], [10, 2], []));
    const field = GeodesicField.compute(grid, [
      [1, 1],
      [9, 1],
    ]);
    expect(field.distance(2, 1)).toBeCloseTo(1, 1);
    expect(field.distance(7, 1)).toBeCloseTo(2, 1);
    expect(field.descentDirection(7, 1)).toBeCloseTo(0, 1); // towards +x
    expect(Math.abs(field.descentDirection(3, 1))).toBeCloseTo(Math.PI, 1); // towards −x
  });

  it('a point in a blocked cell next to free space snaps to it', () => {
    const grid = OccupancyGrid.fromScene(scene([0, 0], [10, 1], []));
    const field = GeodesicField.compute(grid, [[9, 0.5]]);
    // z = 0.17 lies inside the inflated border (0.18 m), as a robot brushing the wall can.
    expect(grid.isFree(5, 0.17)).toBe(false);
    expect(field.distance(5, 0.17)).toBeCloseTo(4, 1);
    expect(field.descentDirection(5, 0.17)).toBeCloseTo(0, 0);
  });

  it('rejects bad goals and options, naming them', () => {
    const grid = OccupancyGrid.fromScene(scene([0, 0], [2, 2], []));
    expect(() => GeodesicField.compute(grid, [[NaN, 1]])).toThrow(/goals\[0\]/);
    expect(() => GeodesicField.compute(grid, [[1, 1]], { radius: -1 })).toThrow(/radius/);
  });
});
