import { describe, expect, it } from 'vitest';
import { HitKind, RAY_SLOTS, Ray } from '../../src/render/rayQuery.js';
import { SceneGeometry } from '../../src/render/SceneGeometry.js';
import { type GatherState, Shading } from '../../src/render/Shading.js';
import { packSrgb } from '../../src/render/srgb.js';
import { NOISE_IO, valueNoise } from '../../src/render/valueNoise.js';
import { parseSceneSpec } from '../../src/sim/SceneSpec.js';
import { CATEGORIES } from './fixtures.js';

/**
 * Light towards (−0.6, 0.8, 0) (unit), intensity 0.5, ambient 0.2, white. Hand-worked light levels:
 * faces looking up 0.2 + 0.8·0.5 = 0.6; faces looking down 0.2; a side face with normal (−1, 0, 0)
 * 0.2 + 0.6·0.5 = 0.5; one with normal (+1, 0, 0) only the ambient 0.2.
 */
const spec = parseSceneSpec({
  version: 1,
  categories: CATEGORIES,
  floor: {
    min: [-2, -2],
    max: [2, 2],
    material: { color: [0.5, 0.5, 0.5], pattern: { type: 'checker', scale: 1, color2: [0.1, 0.1, 0.1] }, category: 1 },
  },
  ceiling: { height: 3, material: { color: [1, 0.5, 0], pattern: { type: 'noise', scale: 2, color2: [0, 0.5, 1] }, category: 3 } },
  primitives: [
    // Primitive 0: a wall 0.2 m thick, 2 m high, across x = 1.5; bands 0.5 m wide up its side.
    {
      shape: 'box',
      position: [1.5, 1, 0],
      size: [0.2, 2, 4],
      material: { color: [0.8, 0.4, 0.2], pattern: { type: 'stripes', scale: 0.5, color2: [0.2, 0.2, 1] }, category: 2, instance: 7 },
    },
    // Primitive 1: a ball of radius 0.3 m whose top is at y = 0.8.
    { shape: 'sphere', position: [1, 0.5, 0], radius: 0.3, material: { color: [0.5, 1, 0], category: 4 } },
  ],
  lighting: { ambient: 0.2, direction: [-0.6, 0.8, 0], intensity: 0.5 },
  start: { position: [0, 0], yaw: 0 },
});

/** A gather state set by hand: one candidate slot per primitive, the ray registers, gather 1. */
function gatherState(): GatherState {
  return {
    ray: new Float64Array(RAY_SLOTS),
    candPrim: new Int32Array(2),
    candT0: new Float64Array(2),
    candNx: new Float64Array(2),
    candNz: new Float64Array(2),
    candAxis: new Uint8Array(2),
    gatherMark: new Int32Array([1]),
  };
}

function setRay(ray: Float64Array, o: [number, number, number], dx: number, dz: number, b: number, t: number): void {
  ray[Ray.OX] = o[0];
  ray[Ray.OY] = o[1];
  ray[Ray.OZ] = o[2];
  ray[Ray.DX] = dx;
  ray[Ray.DZ] = dz;
  ray[Ray.B] = b;
  ray[Ray.T] = t;
}

function shaded(shading: Shading, kind: number, cand: number): number[] {
  shading.shadePixel(kind, cand);
  return Array.from(shading.color);
}

function expectColor(actual: number[], expected: [number, number, number]): void {
  for (let c = 0; c < 3; c++) expect(actual[c]).toBeCloseTo(expected[c]!, 12);
}

describe('Shading', () => {
  it('gives rays that hit nothing the sky colour', () => {
    const shading = new Shading(spec, new SceneGeometry(spec), gatherState());
    expectColor(shaded(shading, HitKind.NONE, -1), [0.55, 0.7, 0.9]);
    expect(shading.packedColor(HitKind.NONE, -1)).toBe(packSrgb(0.55, 0.7, 0.9));
    expect(shading.materialOf(HitKind.NONE, -1)).toBe(-1);
  });

  it('lights the checkered floor from above and picks the square by the hit point', () => {
    const gather = gatherState();
    const shading = new Shading(spec, new SceneGeometry(spec), gather);
    expect(shading.materialOf(HitKind.FLOOR, -1)).toBe(shading.floorMaterial);
    expect(shading.matCategory[shading.floorMaterial]).toBe(1);
    // From (0.5, 1, 0.5) along +x: the floor point at t = 0.25 is (0.75, 0.5): square (0, 0), the first colour.
    setRay(gather.ray, [0.5, 1, 0.5], 1, 0, -4, 0.25);
    expectColor(shaded(shading, HitKind.FLOOR, -1), [0.3, 0.3, 0.3]); // 0.5 · 0.6
    expect(shading.packedColor(HitKind.FLOOR, -1)).toBe(packSrgb(0.3, 0.3, 0.3));
    // At t = 0.75 the point is (1.25, 0.5): square (1, 0), the second colour.
    gather.ray[Ray.T] = 0.75;
    expectColor(shaded(shading, HitKind.FLOOR, -1), [0.06, 0.06, 0.06]); // 0.1 · 0.6
    expect(shading.packedColor(HitKind.FLOOR, -1)).toBe(packSrgb(0.06, 0.06, 0.06));
  });

  it('lights a side face by its normal and picks the band by the height of the hit', () => {
    const gather = gatherState();
    const shading = new Shading(spec, new SceneGeometry(spec), gather);
    // From (0, 0.5, 0.3) along +x the wall's face x = 1.4 (normal −x, local x axis) is entered at t = 1.4.
    gather.candPrim[0] = 0;
    gather.candT0[0] = 1.4;
    gather.candNx[0] = -1;
    gather.candAxis[0] = 0;
    expect(shading.materialOf(HitKind.SIDE, 0)).toBe(0);
    expect(shading.matInstance[0]).toBe(7);
    // Rising 0.25 m by the wall: the hit is 0.75 m up it, in the second band (0.75 / 0.5 = 1.5).
    setRay(gather.ray, [0, 0.5, 0.3], 1, 0, 0.25 / 1.4, 1.4);
    expectColor(shaded(shading, HitKind.SIDE, 0), [0.1, 0.1, 0.5]); // (0.2, 0.2, 1) · 0.5
    expect(shading.packedColor(HitKind.SIDE, 0)).toBe(packSrgb(0.1, 0.1, 0.5));
    // The across-face coordinate is the entry point's local z (m).
    expect(shading.candU[0]).toBeCloseTo(0.3, 12);
    // Falling to 0.25 m at the wall: the first band.
    gather.ray[Ray.B] = -0.25 / 1.4;
    expectColor(shaded(shading, HitKind.SIDE, 0), [0.4, 0.2, 0.1]); // (0.8, 0.4, 0.2) · 0.5
    expect(shading.packedColor(HitKind.SIDE, 0)).toBe(packSrgb(0.4, 0.2, 0.1));
  });

  it('keeps a side face shaded for the rest of its gather and works it out again in the next', () => {
    const gather = gatherState();
    const shading = new Shading(spec, new SceneGeometry(spec), gather);
    gather.candPrim[0] = 0;
    gather.candT0[0] = 1.4;
    gather.candNx[0] = -1;
    setRay(gather.ray, [0, 0.5, 0], 1, 0, -0.25 / 1.4, 1.4);
    expectColor(shaded(shading, HitKind.SIDE, 0), [0.4, 0.2, 0.1]);
    // The candidate now faces away from the light, but this gather's shading stands.
    gather.candNx[0] = 1;
    expectColor(shaded(shading, HitKind.SIDE, 0), [0.4, 0.2, 0.1]);
    // A new gather: ambient only, 0.2.
    gather.gatherMark[0] = 2;
    expectColor(shaded(shading, HitKind.SIDE, 0), [0.16, 0.08, 0.04]);
    // After forgetSides the cache is empty even for a gather mark seen before.
    gather.candNx[0] = -1;
    shading.forgetSides();
    gather.gatherMark[0] = 1;
    expectColor(shaded(shading, HitKind.SIDE, 0), [0.4, 0.2, 0.1]);
  });

  it('lights tops like the floor and patterns them in the local frame', () => {
    const gather = gatherState();
    const shading = new Shading(spec, new SceneGeometry(spec), gather);
    gather.candPrim[0] = 0;
    // Straight down onto the wall's top at (1.5, 2, 0.2): local z = 0.2, the first band.
    setRay(gather.ray, [1.5, 3, 0.2], 0, 0, -1, 1);
    expectColor(shaded(shading, HitKind.TOP, 0), [0.48, 0.24, 0.12]); // (0.8, 0.4, 0.2) · 0.6
    expect(shading.packedColor(HitKind.TOP, 0)).toBe(packSrgb(0.48, 0.24, 0.12));
    // Its bottom looks down: ambient only. At local z = 0.7, the second band.
    setRay(gather.ray, [1.5, -1, 0.7], 0, 0, 1, 1);
    expectColor(shaded(shading, HitKind.BOTTOM, 0), [0.04, 0.04, 0.2]); // (0.2, 0.2, 1) · 0.2
    expect(shading.packedColor(HitKind.BOTTOM, 0)).toBe(packSrgb(0.04, 0.04, 0.2));
  });

  it('lights a sphere per pixel by its normal at the hit', () => {
    const gather = gatherState();
    const shading = new Shading(spec, new SceneGeometry(spec), gather);
    gather.candPrim[1] = 1;
    // Straight down onto the ball's top (1, 0.8, 0): normal +y, Lambert 0.8, light 0.2 + 0.8 · 0.5 = 0.6.
    setRay(gather.ray, [1, 2, 0], 0, 0, -1, 1.2);
    expectColor(shaded(shading, HitKind.SPHERE, 1), [0.3, 0.6, 0]);
    // Its side facing +x (1.3, 0.5, 0): Lambert −0.6 clamps to 0, ambient only.
    setRay(gather.ray, [2, 0.5, 0], -1, 0, 0, 0.7);
    expectColor(shaded(shading, HitKind.SPHERE, 1), [0.1, 0.2, 0]);
    // No ready-made colour: the light varies across the sphere.
    expect(shading.packedColor(HitKind.SPHERE, 1)).toBe(-1);
  });

  it('blends a noise pattern by the value noise at the hit, lit from below on the ceiling', () => {
    const gather = gatherState();
    const shading = new Shading(spec, new SceneGeometry(spec), gather);
    expect(shading.materialOf(HitKind.CEILING, -1)).toBe(shading.ceilingMaterial);
    // From (0, 1, 0) rising at slope 1 along +x: the ceiling point at t = 2 is (2, 0); noise at (2, 0) / 2.
    setRay(gather.ray, [0, 1, 0], 1, 0, 1, 2);
    NOISE_IO[0] = 1;
    NOISE_IO[1] = 0;
    valueNoise();
    const w = NOISE_IO[2]!;
    // (1, 0.5, 0) blended towards (0, 0.5, 1) by w, times the light from below 0.2.
    expectColor(shaded(shading, HitKind.CEILING, -1), [(1 - w) * 0.2, 0.1, w * 0.2]);
    expect(shading.packedColor(HitKind.CEILING, -1)).toBe(-1);
  });
});
