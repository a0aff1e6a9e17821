/**
 * Scene styling and domain randomisation: wall, floor and object materials and the lighting.
 * The style draws from its own random stream (derived from the scene seed), so switching a
 * randomisation on changes how a layout looks, never the layout itself.
 */
import type { Rng } from '../../core/Rng.js';
import type { Lighting, Material, Pattern, Vec3 } from '../SceneSpec.js';
import { categoryId, OBJECT_STYLES, type ObjectCategory } from '../categories.js';

/** Domain-randomisation switches of the generators: wall, floor and object colours, lighting. */
export interface DomainRandomization {
  /** Random wall colours and patterns (solid, stripes, noise). */
  wallColors: boolean;
  /** Random floor colours and patterns (checker, stripes, noise). */
  floorPatterns: boolean;
  /** Random light direction, intensity and ambient level. */
  lighting: boolean;
  /** Random colour per object instead of its category's colour. */
  objectColors: boolean;
}

/** Every randomisation off. */
export const DEFAULT_RANDOMIZATION: DomainRandomization = {
  wallColors: false,
  floorPatterns: false,
  lighting: false,
  objectColors: false,
};

export interface SceneStyle {
  wall: Material;
  floor: Material;
  lighting: Lighting;
  /** The material of an object of `category` (instance id 0 until it is placed). */
  object(category: ObjectCategory): Material;
}

const WALL = categoryId('wall');
const FLOOR = categoryId('floor');

/** A colour from hue (turns), saturation and value in [0, 1]. */
function hsv(h: number, s: number, v: number): Vec3 {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

function randomPattern(rng: Rng, kinds: ReadonlyArray<Pattern['type']>, base: Vec3): Pattern {
  const kind = rng.pick(kinds);
  if (kind === 'solid') return { type: 'solid' };
  const shade = rng.uniform(0.55, 0.85);
  const color2: Vec3 = [base[0] * shade, base[1] * shade, base[2] * shade];
  return { type: kind, scale: rng.uniform(0.1, 0.6), color2 };
}

export function makeStyle(rng: Rng, randomize: DomainRandomization): SceneStyle {
  let wall: Material = { color: [0.82, 0.8, 0.76], pattern: { type: 'solid' }, category: WALL, instance: 0 };
  if (randomize.wallColors) {
    const color = hsv(rng.random(), rng.uniform(0.05, 0.5), rng.uniform(0.5, 0.95));
    wall = { color, pattern: randomPattern(rng, ['solid', 'stripes', 'noise'], color), category: WALL, instance: 0 };
  }
  let floor: Material = {
    color: [0.55, 0.45, 0.35],
    pattern: { type: 'checker', scale: 0.5, color2: [0.45, 0.36, 0.28] },
    category: FLOOR,
    instance: 0,
  };
  if (randomize.floorPatterns) {
    const color = hsv(rng.random(), rng.uniform(0.05, 0.6), rng.uniform(0.3, 0.8));
    floor = { color, pattern: randomPattern(rng, ['checker', 'stripes', 'noise'], color), category: FLOOR, instance: 0 };
  }
  let lighting: Lighting = { ambient: 0.35, direction: [0.4, 1, 0.3], intensity: 0.8, color: [1, 1, 1] };
  if (randomize.lighting) {
    const elevation = rng.uniform(0.5, 1.4); // rad above the horizon
    const azimuth = rng.uniform(0, 2 * Math.PI);
    lighting = {
      ambient: rng.uniform(0.15, 0.5),
      direction: [Math.cos(elevation) * Math.cos(azimuth), Math.sin(elevation), Math.cos(elevation) * Math.sin(azimuth)],
      intensity: rng.uniform(0.4, 1),
      color: [1, rng.uniform(0.85, 1), rng.uniform(0.7, 1)],
    };
  }
  // Random object colours are drawn as objects are made, in the (deterministic) order of the layout.
  const objectColors = randomize.objectColors;
  return {
    wall,
    floor,
    lighting,
    object(category) {
      const color = objectColors ? hsv(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.95)) : OBJECT_STYLES[category].color;
      return { color: [...color], pattern: { type: 'solid' }, category: categoryId(category), instance: 0 };
    },
  };
}
