import { describe, expect, it } from 'vitest';
import { PrimitiveKind, SceneGeometry } from '../../src/render/SceneGeometry.js';
import { parseSceneSpec } from '../../src/sim/SceneSpec.js';
import { CATEGORIES } from './fixtures.js';

const material = { color: [0.5, 0.5, 0.5] as [number, number, number], category: 4 };

const spec = parseSceneSpec({
  version: 1,
  categories: CATEGORIES,
  floor: { min: [-3, -3], max: [3, 3], material: { color: [0.5, 0.5, 0.5], category: 1 } },
  ceiling: { height: 2.5, material: { color: [1, 1, 1], category: 3 } },
  primitives: [
    { shape: 'box', position: [1, 0.5, 0], size: [2, 1, 0.4], yaw: Math.PI / 6, material },
    { shape: 'cylinder', position: [-1, 0.75, 1], radius: 0.3, height: 1.5, material },
  ],
  dynamic: [
    { primitive: { shape: 'sphere', position: [0, 0.2, -1], radius: 0.2, material }, mass: 1, motion: { type: 'free' } },
    { primitive: { shape: 'box', position: [2, 0.3, 2], size: [0.6, 0.6, 0.6], material }, mass: 5, motion: { type: 'free' } },
  ],
  lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
  start: { position: [0, 0], yaw: 0 },
});

describe('SceneGeometry', () => {
  it('flattens static then dynamic primitives with their half extents, yaw and height span', () => {
    const g = new SceneGeometry(spec);
    expect([g.staticCount, g.dynamicCount, g.count]).toEqual([2, 2, 4]);
    expect(Array.from(g.kind)).toEqual([PrimitiveKind.BOX, PrimitiveKind.CYLINDER, PrimitiveKind.SPHERE, PrimitiveKind.BOX]);
    // Box: half of [2, 1, 0.4]; yaw π/6: cos = √3/2, sin = 1/2.
    expect([g.halfX[0], g.halfY[0], g.halfZ[0]]).toEqual([1, 0.5, 0.2]);
    expect(g.cosYaw[0]).toBeCloseTo(Math.sqrt(3) / 2, 15);
    expect(g.sinYaw[0]).toBeCloseTo(0.5, 15);
    // Cylinder: the radius in x and z, half its height in y, no yaw.
    expect([g.halfX[1], g.halfY[1], g.halfZ[1], g.cosYaw[1], g.sinYaw[1]]).toEqual([0.3, 0.75, 0.3, 1, 0]);
    expect([g.yMin[1], g.yMax[1]]).toEqual([0, 1.5]);
    // Sphere: the radius in all three.
    expect([g.halfX[2], g.halfY[2], g.halfZ[2]]).toEqual([0.2, 0.2, 0.2]);
    expect([g.cx[2], g.cy[2], g.cz[2]]).toEqual([0, 0.2, -1]);
    expect([g.hasCeiling, g.ceilingHeight]).toEqual([true, 2.5]);
    // Highest static top: the cylinder at 1.5 m; the dynamic box reaches only 0.6 m.
    expect(g.staticTop).toBe(1.5);
    expect(g.topY[0]).toBe(1.5);
    expect(new SceneGeometry({ ...spec, ceiling: undefined }).ceilingHeight).toBe(Infinity);
  });

  it('moves dynamic bodies, turning only boxes, and keeps the highest top current', () => {
    const g = new SceneGeometry(spec);
    // The box lifted to 2 m (top 2.3 m) and turned a quarter turn; the sphere moved, its yaw ignored.
    g.setDynamicPoses(new Float32Array([1, 0.25, 1, 1, 0, 2, 0, Math.PI / 2]));
    expect([g.cx[2], g.cy[2], g.cz[2], g.cosYaw[2], g.sinYaw[2]]).toEqual([1, 0.25, 1, 1, 0]);
    expect([g.yMin[3], g.yMax[3]]).toEqual([2 - 0.3, 2 + 0.3]);
    expect(g.cosYaw[3]).toBeCloseTo(0, 7);
    expect(g.sinYaw[3]).toBeCloseTo(1, 7);
    expect(g.topY[0]).toBeCloseTo(2.3, 12);
    // Back down: the static cylinder is the highest again.
    g.setDynamicPose(1, 2, 0.3, 2, 0);
    expect(g.topY[0]).toBe(1.5);
    expect(() => g.setDynamicPose(-1, 0, 0, 0, 0)).toThrow(/index -1 is not in \[0, 2\)/);
    expect(() => g.setDynamicPoses(new Float64Array(4))).toThrow(/expected 8 numbers/);
  });
});
