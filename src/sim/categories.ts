/**
 * The semantic category table shared by every generator, the semantic camera and ObjectNav.
 * A material's `category` is an index into `CATEGORIES` (generated scenes copy this list into
 * `SceneSpec.categories`), so category ids mean the same thing in every generated scene.
 */
import type { Vec3 } from './SceneSpec.js';

/** Every semantic category, by id: the value a semantic camera writes for a pixel. */
export const CATEGORIES = [
  'void',
  'floor',
  'wall',
  'ceiling',
  'obstacle',
  'cue',
  'chair',
  'table',
  'sofa',
  'bed',
  'plant',
  'tv',
  'cabinet',
  'lamp',
  'ball',
] as const;

/** One of `CATEGORIES`. */
export type CategoryName = (typeof CATEGORIES)[number];

/** The ObjectNav goal categories: furniture with a distinct shape and colour each. */
export const OBJECT_CATEGORIES = ['chair', 'table', 'sofa', 'bed', 'plant', 'tv', 'cabinet', 'lamp', 'ball'] as const;

/** One of `OBJECT_CATEGORIES`. */
export type ObjectCategory = (typeof OBJECT_CATEGORIES)[number];

/** Category id of a name; throws a RangeError listing the known names for an unknown one. */
export function categoryId(name: string): number {
  const i = (CATEGORIES as readonly string[]).indexOf(name);
  if (i < 0) throw new RangeError(`unknown category "${name}"; known: ${CATEGORIES.join(', ')}`);
  return i;
}

/** How an object of a category looks: one primitive with a nominal size (m) and colour (linear RGB). */
export type ObjectStyle =
  | { shape: 'box'; size: Vec3; color: Vec3 }
  | { shape: 'cylinder'; radius: number; height: number; color: Vec3 }
  | { shape: 'sphere'; radius: number; color: Vec3 };

/**
 * Nominal object shapes. Each category differs from the others in shape, proportions or colour,
 * so a semantic or RGB camera can tell them apart. Sizes are jittered ±10 % by the generators.
 */
export const OBJECT_STYLES: Record<ObjectCategory, ObjectStyle> = {
  chair: { shape: 'box', size: [0.5, 0.9, 0.5], color: [0.75, 0.15, 0.12] },
  table: { shape: 'box', size: [1.2, 0.75, 0.8], color: [0.5, 0.32, 0.16] },
  sofa: { shape: 'box', size: [1.8, 0.85, 0.85], color: [0.18, 0.3, 0.65] },
  bed: { shape: 'box', size: [2.0, 0.55, 1.5], color: [0.6, 0.4, 0.65] },
  plant: { shape: 'cylinder', radius: 0.22, height: 1.1, color: [0.15, 0.6, 0.2] },
  tv: { shape: 'box', size: [1.1, 1.3, 0.25], color: [0.08, 0.08, 0.1] },
  cabinet: { shape: 'box', size: [0.9, 1.8, 0.45], color: [0.85, 0.7, 0.25] },
  lamp: { shape: 'cylinder', radius: 0.15, height: 1.6, color: [0.95, 0.9, 0.6] },
  ball: { shape: 'sphere', radius: 0.3, color: [0.95, 0.45, 0.1] },
};

/** Half extents (m) along the object's local x and z of a category's footprint at `scale`. */
export function objectHalfExtents(category: ObjectCategory, scale: number): [number, number] {
  const s = OBJECT_STYLES[category];
  if (s.shape === 'box') return [(s.size[0] * scale) / 2, (s.size[2] * scale) / 2];
  return [s.radius * scale, s.radius * scale];
}
