import { describe, expect, it } from 'vitest';
import { OccupancyGrid } from '../../src/sim/OccupancyGrid.js';
import { parseSceneSpec, type SceneSpec, type SceneSpecInput } from '../../src/sim/SceneSpec.js';

const GREY = { color: [0.5, 0.5, 0.5] as [number, number, number], category: 1 };

function scene(primitives: SceneSpecInput['primitives']): SceneSpec {
  return parseSceneSpec({
    version: 1,
    categories: ['void', 'thing'],
    floor: { min: [-5, -5], max: [5, 5], material: GREY },
    primitives,
    lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
    start: { position: [0, 0], yaw: 0 },
  });
}

describe('OccupancyGrid', () => {
  it('covers the floor at 5 cm: 200 × 200 cells, index = row·cols + col', () => {
    const grid = OccupancyGrid.fromScene(scene([]));
    expect([grid.cols, grid.rows, grid.cellSize, grid.originX, grid.originZ]).toEqual([200, 200, 0.05, -5, -5]);
    expect(grid.cellOf(-5, -5)).toBe(0);
    expect(grid.cellOf(-4.94, -5)).toBe(1);
    expect(grid.cellOf(-5, -4.94)).toBe(200);
    expect(grid.cellOf(5.01, 0)).toBe(-1);
    expect(grid.isFree(0, 0)).toBe(true);
    expect(grid.isFree(-6, 0)).toBe(false);
    // The floor edge is inflated like a wall.
    expect(grid.isFree(4.85, 0)).toBe(false);
    expect(grid.isFree(4.78, 0)).toBe(true);
  });

  it('inflates obstacles by the robot radius', () => {
    // Box face at x = 1; cylinder of radius 0.5 at (−2, 0).
    const grid = OccupancyGrid.fromScene(
      scene([
        { shape: 'box', position: [1.5, 0.5, 0], size: [1, 1, 1], material: GREY },
        { shape: 'cylinder', position: [-2, 0.5, 0], radius: 0.5, height: 1, material: GREY },
      ]),
    );
    expect(grid.isFree(1 - 0.125, 0.025)).toBe(false); // 12.5 cm from the face
    expect(grid.isFree(1 - 0.225, 0.025)).toBe(true); // 22.5 cm
    expect(grid.isFree(-2 + 0.625, 0.025)).toBe(false);
    expect(grid.isFree(-2 + 0.725, 0.025)).toBe(true);
    const wide = OccupancyGrid.fromScene(scene([{ shape: 'box', position: [1.5, 0.5, 0], size: [1, 1, 1], material: GREY }]), {
      inflate: 0.4,
    });
    expect(wide.isFree(1 - 0.225, 0.025)).toBe(false);
    expect(wide.inflate).toBe(0.4);
  });

  it('without inflation, blocks the cells under an obstacle and no others', () => {
    const grid = OccupancyGrid.fromScene(scene([{ shape: 'box', position: [1.5, 0.5, 0], size: [1, 1, 1], material: GREY }]), {
      inflate: 0,
    });
    expect(grid.isFree(1.025, 0.025)).toBe(false); // the first cell inside the face at x = 1
    expect(grid.isFree(0.975, 0.025)).toBe(true); // the last cell before it
    expect(grid.isFree(4.975, 4.975)).toBe(true); // the floor's edge is not shrunk
  });

  it('rotated boxes, things above the robot and spheres in the band', () => {
    const grid = OccupancyGrid.fromScene(
      scene([
        // A 1 m square turned 45°: its corner reaches x = 0.707 along +x from (3, 3).
        { shape: 'box', position: [3, 0.5, 3], size: [1, 1, 1], yaw: Math.PI / 4, material: GREY },
        // A shelf from 1.0 to 1.2 m: above the 0.6 m robot.
        { shape: 'box', position: [-3, 1.1, 3], size: [1, 0.2, 1], material: GREY },
        // A ball of radius 0.5 resting on the floor.
        { shape: 'sphere', position: [0, 0.5, -3], radius: 0.5, material: GREY },
      ]),
    );
    expect(grid.isFree(3 + 0.8, 3.025)).toBe(false);
    expect(grid.isFree(3 + 0.95, 3.025)).toBe(true);
    expect(grid.isFree(3.6, 3.6)).toBe(true); // beside the turned square's edge, 0.74 m off-axis
    expect(grid.isFree(-3, 3)).toBe(true);
    expect(grid.isFree(0.025, -3 + 0.6)).toBe(false);
    expect(grid.isFree(0.025, -3 + 0.725)).toBe(true);
  });

  it('segments and components', () => {
    // A wall across the floor at x = 0 splits it in two.
    const grid = OccupancyGrid.fromScene(scene([{ shape: 'box', position: [0, 1, 0], size: [0.1, 2, 10], material: GREY }]));
    expect(grid.segmentFree(-3, -3, -1, 2)).toBe(true);
    expect(grid.segmentFree(-3, 0, 3, 0)).toBe(false);
    const { labels, sizes } = grid.components();
    expect(sizes.length).toBe(2);
    expect(labels[grid.cellOf(-3, 0)]).not.toBe(labels[grid.cellOf(3, 0)]);
    expect(sizes.reduce((a, b) => a + b)).toBe(grid.freeCount());
  });

  it('rejects a bad cell size', () => {
    expect(() => OccupancyGrid.fromScene(scene([]), { cellSize: 0 })).toThrow(/cellSize/);
    expect(() => OccupancyGrid.fromScene(scene([]), { inflate: -1 })).toThrow(/inflate/);
  });
});
