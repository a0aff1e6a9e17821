import { describe, expect, it } from 'vitest';
import { distanceToFootprint, footprintBounds, footprintOf } from '../../src/sim/footprint.js';
import type { Primitive } from '../../src/sim/SceneSpec.js';

const material = { color: [1, 1, 1] as [number, number, number], pattern: { type: 'solid' as const }, category: 1, instance: 0 };

describe('footprint', () => {
  it('boxes: rectangle, rotated by yaw (+y rotation: local +x goes to (cos θ, −sin θ))', () => {
    const p: Primitive = { shape: 'box', position: [1, 0.5, 2], size: [2, 1, 1], yaw: Math.PI / 2, material };
    const f = footprintOf(p, 0.6)!;
    // Turned 90°, the 2 m side runs along z: the point 0.9 m along z from the centre is inside.
    expect(distanceToFootprint(f, 1, 2.9)).toBe(0);
    expect(distanceToFootprint(f, 1.9, 2)).toBeCloseTo(0.4, 12);
    const [x0, z0, x1, z1] = footprintBounds(f, 0.1);
    expect([x0, z0, x1, z1].map((v) => Number(v.toFixed(9)))).toEqual([0.4, 0.9, 1.6, 3.1]);
  });

  it('cylinders and spheres: discs; things outside the height band have none', () => {
    const cyl: Primitive = { shape: 'cylinder', position: [0, 0.5, 0], radius: 0.3, height: 1, material };
    expect(distanceToFootprint(footprintOf(cyl, 0.6)!, 1, 0)).toBeCloseTo(0.7, 12);
    const shelf: Primitive = { shape: 'box', position: [0, 1.5, 0], size: [1, 0.2, 1], yaw: 0, material };
    expect(footprintOf(shelf, 0.6)).toBeNull();
    // A ball of radius 0.5 centred 0.8 m up: the band (0, 0.6) cuts it 0.2 m below its centre.
    const ball: Primitive = { shape: 'sphere', position: [0, 0.8, 0], radius: 0.5, material };
    const f = footprintOf(ball, 0.6)!;
    expect(f.kind === 'circle' && f.radius).toBeCloseTo(Math.sqrt(0.25 - 0.04), 12);
    expect(footprintOf({ ...ball, position: [0, 1.2, 0] }, 0.6)).toBeNull();
  });
});
