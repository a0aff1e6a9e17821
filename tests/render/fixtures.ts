/**
 * Hand-written scenes for the renderer tests (independent of the procedural generators).
 */
import { Rng } from '../../src/core/Rng.js';
import { parseSceneSpec, type SceneSpec, type SceneSpecInput } from '../../src/sim/SceneSpec.js';

export const CATEGORIES = ['void', 'floor', 'wall', 'ceiling', 'obstacle', 'chair', 'table', 'plant'];

const grey = (v: number): [number, number, number] => [v, v, v];

/** A square room of inner half-size `half` (m) centred on the origin, walls 2.5 m high and 0.2 m thick. */
export function squareRoom(half: number, extra: Partial<SceneSpecInput> = {}): SceneSpec {
  const t = 0.2;
  const h = 2.5;
  const wall = (x: number, z: number, sx: number, sz: number, instance: number) => ({
    shape: 'box' as const,
    position: [x, h / 2, z] as [number, number, number],
    size: [sx, h, sz] as [number, number, number],
    material: { color: grey(0.7), category: 2, instance },
  });
  return parseSceneSpec({
    version: 1,
    categories: CATEGORIES,
    floor: { min: [-half, -half], max: [half, half], material: { color: grey(0.5), category: 1 } },
    primitives: [
      wall(half + t / 2, 0, t, 2 * half + 2 * t, 1),
      wall(-half - t / 2, 0, t, 2 * half + 2 * t, 2),
      wall(0, half + t / 2, 2 * half + 2 * t, t, 3),
      wall(0, -half - t / 2, 2 * half + 2 * t, t, 4),
    ],
    lighting: { ambient: 0.3, direction: [0.3, 1, 0.2], intensity: 0.7 },
    start: { position: [0, 0], yaw: 0 },
    ...extra,
  });
}

/**
 * A rooms-like clutter scene: a 12 × 10 m floor, outer walls, interior walls with doors, yawed
 * boxes, cylinders and spheres (≈ 60 primitives), every pattern, a ceiling when asked.
 */
export function clutterScene(seed: number, options: { ceiling?: boolean; dynamic?: boolean } = {}): SceneSpec {
  const rng = new Rng(seed);
  const prims: SceneSpecInput['primitives'] = [];
  const colour = (): [number, number, number] => [rng.uniform(0.2, 0.9), rng.uniform(0.2, 0.9), rng.uniform(0.2, 0.9)];
  const patterns = [
    { type: 'solid' as const },
    { type: 'checker' as const, scale: 0.5, color2: grey(0.2) },
    { type: 'stripes' as const, scale: 0.3, color2: grey(0.9) },
    { type: 'noise' as const, scale: 0.4, color2: grey(0.1) },
  ];
  let instance = 1;
  const box = (x: number, z: number, sx: number, sy: number, sz: number, yaw: number, category: number) =>
    prims.push({
      shape: 'box',
      position: [x, sy / 2, z],
      size: [sx, sy, sz],
      yaw,
      material: { color: colour(), pattern: rng.pick(patterns), category, instance: instance++ },
    });
  // Outer walls of [-6, 6] × [-5, 5].
  box(0, -5.1, 12.4, 2.5, 0.2, 0, 2);
  box(0, 5.1, 12.4, 2.5, 0.2, 0, 2);
  box(-6.1, 0, 0.2, 2.5, 10, 0, 2);
  box(6.1, 0, 0.2, 2.5, 10, 0, 2);
  // Interior walls with 1 m doors.
  box(-2, -3, 0.15, 2.5, 4, 0, 2);
  box(-2, 3, 0.15, 2.5, 4, 0, 2);
  box(2.5, -2.75, 7, 2.5, 0.15, 0, 2);
  box(3.5, 2, 0.15, 2.5, 6, 0, 2);
  for (let i = 0; i < 24; i++) {
    box(
      rng.uniform(-5.5, 5.5),
      rng.uniform(-4.5, 4.5),
      rng.uniform(0.2, 0.9),
      rng.uniform(0.3, 1.6),
      rng.uniform(0.2, 0.9),
      rng.uniform(-Math.PI, Math.PI),
      4 + rng.int(4),
    );
  }
  for (let i = 0; i < 12; i++) {
    const height = rng.uniform(0.3, 1.8);
    prims.push({
      shape: 'cylinder',
      position: [rng.uniform(-5.5, 5.5), height / 2, rng.uniform(-4.5, 4.5)],
      radius: rng.uniform(0.1, 0.4),
      height,
      material: { color: colour(), pattern: rng.pick(patterns), category: 4 + rng.int(4), instance: instance++ },
    });
  }
  for (let i = 0; i < 10; i++) {
    const radius = rng.uniform(0.1, 0.4);
    prims.push({
      shape: 'sphere',
      position: [rng.uniform(-5.5, 5.5), radius + rng.uniform(0, 0.8), rng.uniform(-4.5, 4.5)],
      radius,
      material: { color: colour(), pattern: rng.pick(patterns), category: 4 + rng.int(4), instance: instance++ },
    });
  }
  return parseSceneSpec({
    version: 1,
    categories: CATEGORIES,
    floor: {
      min: [-6, -5],
      max: [6, 5],
      material: { color: grey(0.6), pattern: { type: 'checker', scale: 1, color2: grey(0.35) }, category: 1 },
    },
    ceiling: options.ceiling
      ? { height: 2.5, material: { color: grey(0.9), pattern: { type: 'checker', scale: 0.7, color2: grey(0.6) }, category: 3 } }
      : undefined,
    primitives: prims,
    dynamic: options.dynamic
      ? [
          {
            primitive: {
              shape: 'box',
              position: [1, 0.3, 1],
              size: [0.6, 0.6, 0.6],
              material: { color: [0.9, 0.1, 0.1], category: 4, instance: 900 },
            },
            mass: 5,
            motion: { type: 'free' },
          },
          {
            primitive: {
              shape: 'sphere',
              position: [-1, 0.25, 1],
              radius: 0.25,
              material: { color: [0.1, 0.9, 0.1], category: 4, instance: 901 },
            },
            mass: 2,
            motion: { type: 'bounce', velocity: [0.5, 0] },
          },
        ]
      : [],
    lighting: { ambient: 0.35, direction: [0.4, 1, 0.3], intensity: 0.65 },
    start: { position: [-4, 0], yaw: 0 },
  });
}
