import { describe, expect, it } from 'vitest';
import { SeenFloor, sightObstacles } from '../../envs/SeenFloor.js';
import { parseSceneSpec, type SceneSpec, type SceneSpecInput } from '../../src/sim/SceneSpec.js';

const GREY = { color: [0.5, 0.5, 0.5] as [number, number, number], category: 1 };
const CAMERA_HEIGHT = 0.6;
const SIGHT = { viewRange: 3, rays: 400, fov: Math.PI / 2 };
/** Area (m²) of the unobstructed view: a circular sector of radius 3 m and angle 90°. */
const SECTOR = 0.5 * 3 * 3 * (Math.PI / 2);

function scene(primitives: SceneSpecInput['primitives'] = []): SceneSpec {
  return parseSceneSpec({
    version: 1,
    categories: ['void', 'thing'],
    floor: { min: [0, 0], max: [10, 10], material: GREY },
    primitives,
    lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
    start: { position: [1, 5], yaw: 0 },
  });
}

/** A box standing on the floor, `height` m tall, spanning z ∈ [0, 10] at x. */
const wallAt = (x: number, height: number) => ({
  shape: 'box' as const,
  position: [x, height / 2, 5] as [number, number, number],
  size: [0.2, height, 10] as [number, number, number],
  material: GREY,
});

/** Every cell of the floor counts as reachable. */
function floorOf(spec: SceneSpec): SeenFloor {
  const visibility = sightObstacles(spec, 0.05, CAMERA_HEIGHT);
  const all = Int32Array.from({ length: visibility.cols * visibility.rows }, (_, i) => i);
  return new SeenFloor(visibility, all, visibility, SIGHT);
}

describe('SeenFloor', () => {
  it("refuses a visibility grid whose cells are not the navigation grid's", () => {
    const spec = scene();
    const grid = sightObstacles(spec, 0.05, CAMERA_HEIGHT);
    const coarse = sightObstacles(spec, 0.1, CAMERA_HEIGHT);
    expect(() => new SeenFloor(grid, new Int32Array(0), coarse, SIGHT)).toThrow(/navigation grid's cells/);
  });

  it('sees the sector in front of the robot once; seeing it again adds nothing until cleared', () => {
    const floor = floorOf(scene());
    const first = floor.look(1, 5, 0);
    expect(first).toBeGreaterThan(0.9 * SECTOR);
    expect(first).toBeLessThan(1.1 * SECTOR);
    expect(floor.area).toBeCloseTo(first, 12);
    expect(floor.look(1, 5, 0)).toBe(0);
    floor.clear();
    expect(floor.area).toBe(0);
    expect(floor.look(1, 5, 0)).toBeCloseTo(first, 12);
  });

  it('coverage is the seen fraction of the reachable floor', () => {
    const floor = floorOf(scene());
    for (const yaw of [0, Math.PI / 2, Math.PI, -Math.PI / 2]) floor.look(5, 5, yaw);
    // Four quarter turns see the disc of radius 3 m around the robot.
    expect(floor.coverage).toBeGreaterThan((0.9 * Math.PI * 9) / 100);
    expect(floor.coverage).toBeLessThan((1.1 * Math.PI * 9) / 100);
  });

  it('a wall at camera height stops the sight lines; an obstacle lower than the camera does not', () => {
    const open = floorOf(scene([wallAt(2, 0.3)])).look(1, 5, 0);
    const walled = floorOf(scene([wallAt(2, 2)])).look(1, 5, 0);
    // The low box's own cells are seen too: the view is the whole sector.
    expect(open).toBeGreaterThan(0.9 * SECTOR);
    // Only the wedge up to the wall's face at x = 1.9 is seen: (0.9 m)² · tan 45° = 0.81 m², give or
    // take the 5 cm cells along its edges; the sector would be 7.07 m².
    expect(walled).toBeGreaterThan(0.7);
    expect(walled).toBeLessThan(0.95);
  });
});
