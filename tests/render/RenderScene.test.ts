import * as CANNON from 'cannon-es';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { UsageError } from '../../src/core/errors.js';
import { RenderScene } from '../../src/render/RenderScene.js';
import { generateScene } from '../../src/sim/generators/index.js';
import type { SceneSpec } from '../../src/sim/SceneSpec.js';
import { clutterScene, squareRoom } from './fixtures.js';

/** Segments of the cannon cylinders: their flats sit at most r·(1 − cos(π/256)) ≈ 3e-5 m inside the true circle. */
const CYLINDER_SEGMENTS = 256;

/**
 * A static cannon-es world with the same geometry as the spec. Floor and ceiling are 200 m slabs
 * rather than cannon Planes: cannon-es 0.20's ray–plane test misses some rays whose origin is off
 * the plane's body axis.
 */
function cannonWorld(spec: SceneSpec): CANNON.World {
  const world = new CANNON.World();
  const slab = (y: number) =>
    new CANNON.Body({ mass: 0, shape: new CANNON.Box(new CANNON.Vec3(100, 1, 100)), position: new CANNON.Vec3(0, y, 0) });
  world.addBody(slab(-1));
  if (spec.ceiling) world.addBody(slab(spec.ceiling.height + 1));
  for (const p of [...spec.primitives, ...spec.dynamic.map((d) => d.primitive)]) {
    const shape =
      p.shape === 'box'
        ? new CANNON.Box(new CANNON.Vec3(p.size[0] / 2, p.size[1] / 2, p.size[2] / 2))
        : p.shape === 'cylinder'
          ? new CANNON.Cylinder(p.radius, p.radius, p.height, CYLINDER_SEGMENTS)
          : new CANNON.Sphere(p.radius);
    const body = new CANNON.Body({ mass: 0, shape, position: new CANNON.Vec3(...p.position) });
    if (p.shape === 'box') body.quaternion.setFromEuler(0, p.yaw, 0);
    // The Body constructor caches an AABB for the identity orientation; without this the
    // broadphase drops rays that reach the rotated box outside that stale AABB.
    body.aabbNeedsUpdate = true;
    world.addBody(body);
  }
  return world;
}

/** True when (x, y, z) lies inside (or within `margin` m of) any primitive. */
function insideAny(spec: SceneSpec, x: number, y: number, z: number, margin: number): boolean {
  return [...spec.primitives, ...spec.dynamic.map((d) => d.primitive)].some((p) => {
    const [cx, cy, cz] = p.position;
    if (p.shape === 'sphere') return Math.hypot(x - cx, y - cy, z - cz) < p.radius + margin;
    const half = p.shape === 'box' ? p.size[1] / 2 : p.height / 2;
    if (Math.abs(y - cy) > half + margin) return false;
    if (p.shape === 'cylinder') return Math.hypot(x - cx, z - cz) < p.radius + margin;
    const c = Math.cos(p.yaw);
    const s = Math.sin(p.yaw);
    const lx = (x - cx) * c - (z - cz) * s;
    const lz = (x - cx) * s + (z - cz) * c;
    return Math.abs(lx) < p.size[0] / 2 + margin && Math.abs(lz) < p.size[2] / 2 + margin;
  });
}

/**
 * Cast `count` random rays from random free points and compare the first-hit distance with
 * cannon-es. Returns how many rays were compared (both missed or both hit, non-grazing).
 */
function crossCheck(spec: SceneSpec, seed: number, count: number): number {
  const scene = RenderScene.fromSpec(spec);
  const world = cannonWorld(spec);
  const rng = new Rng(seed);
  const result = new CANNON.RaycastResult();
  const length = 40; // m
  let compared = 0;
  for (let n = 0; n < count; n++) {
    let x: number;
    let y: number;
    let z: number;
    do {
      x = rng.uniform(spec.floor.min[0], spec.floor.max[0]);
      z = rng.uniform(spec.floor.min[1], spec.floor.max[1]);
      y = rng.uniform(0.05, spec.ceiling ? spec.ceiling.height - 0.05 : 2.4);
    } while (insideAny(spec, x, y, z, 0.01));
    // Uniform direction on the sphere.
    const dy = rng.uniform(-1, 1);
    const phi = rng.uniform(0, 2 * Math.PI);
    const rh = Math.sqrt(1 - dy * dy);
    const dx = rh * Math.cos(phi);
    const dz = rh * Math.sin(phi);
    const ours = scene.raycast(x, y, z, dx, dy, dz, length);
    result.reset();
    world.raycastClosest(new CANNON.Vec3(x, y, z), new CANNON.Vec3(x + dx * length, y + dy * length, z + dz * length), {}, result);
    if (!result.hasHit) {
      expect(ours, `ray ${n} from (${x}, ${y}, ${z}) dir (${dx}, ${dy}, ${dz}): cannon missed`).toBe(Infinity);
      compared++;
      continue;
    }
    // A ray grazing a cylinder can pass between the true circle and cannon's polygon.
    const grazing =
      result.shape instanceof CANNON.Cylinder &&
      Math.abs(result.hitNormalWorld.x * dx + result.hitNormalWorld.y * dy + result.hitNormalWorld.z * dz) < 0.1;
    if (grazing) continue;
    expect(Math.abs(ours - result.distance), `ray ${n} from (${x}, ${y}, ${z}) dir (${dx}, ${dy}, ${dz})`).toBeLessThan(1e-3);
    compared++;
  }
  return compared;
}

describe('RenderScene', () => {
  it('agrees with cannon-es World.raycastClosest on random rays in a cluttered scene with a ceiling', () => {
    const spec = clutterScene(7, { ceiling: true, dynamic: true });
    expect(crossCheck(spec, 1, 400)).toBeGreaterThan(380);
  });

  it('agrees with cannon-es on random rays in generated rooms scenes', () => {
    for (const seed of [1, 2]) {
      const spec = generateScene('rooms', { seed });
      expect(spec.primitives.length).toBeGreaterThan(20);
      expect(crossCheck(spec, 10 + seed, 250)).toBeGreaterThan(235);
    }
  });

  it('moves dynamic bodies with setDynamicPose', () => {
    const spec = clutterScene(3, { dynamic: true });
    const scene = RenderScene.fromSpec(spec);
    // Dynamic box 0 (0.6 m cube) placed 1 m ahead of a level ray at its centre height.
    scene.setDynamicPose(0, 2, 0.3, 0, 0);
    expect(scene.raycast(1, 0.3, 0, 1, 0, 0)).toBeCloseTo(1 - 0.3, 9);
    scene.setDynamicPose(0, 1.5, 0.3, 0, Math.PI / 4);
    // Rotated by 45°: the corner points at the ray, 0.3·√2 m from the centre.
    expect(scene.raycast(1, 0.3, 0, 1, 0, 0)).toBeCloseTo(0.5 - 0.3 * Math.SQRT2, 9);
    expect(() => scene.setDynamicPose(2, 0, 0, 0, 0)).toThrow(/index 2 is not in \[0, 2\)/);
    // All at once, as PhysicsWorld.dynamicPoses lays them out: box 0 back to yaw 0 at x = 2.
    scene.setDynamicPoses(new Float32Array([2, 0.3, 0, 0, -1, 0.25, 1, 0]));
    expect(scene.raycast(1, 0.3, 0, 1, 0, 0)).toBeCloseTo(0.7, 6);
    expect(() => scene.setDynamicPoses(new Float32Array(3))).toThrow(/expected 8 numbers/);
  });

  it('hits the floor and ceiling planes and misses into the sky', () => {
    const scene = RenderScene.fromSpec(squareRoom(3));
    expect(scene.raycast(0, 1, 0, 0, -1, 0)).toBeCloseTo(1, 12);
    expect(scene.raycast(0, 1, 0, 0, 1, 0)).toBe(Infinity);
    expect(scene.raycast(NaN, 1, 0, 1, 0, 0)).toBe(Infinity);
    const roofed = RenderScene.fromSpec(squareRoom(3, { ceiling: { height: 2.5, material: { color: [1, 1, 1], category: 3 } } }));
    expect(roofed.raycast(0, 1, 0, 0, 1, 0)).toBeCloseTo(1.5, 12);
  });

  it('rejects ids that do not fit the frame types', () => {
    const spec = squareRoom(2);
    spec.primitives[0]!.material.instance = 70000;
    expect(() => RenderScene.fromSpec(spec)).toThrow(UsageError);
    expect(() => RenderScene.fromSpec(spec)).toThrow(/primitives\[0\]\.material\.instance: 70000 exceeds 65535/);
    expect(() => RenderScene.fromSpec(squareRoom(2), { cellSize: 0 })).toThrow(/cellSize/);
  });
});
