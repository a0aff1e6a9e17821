/**
 * The vocabulary of a ray query, shared by the ray caster (RenderScene), its shading and the
 * sensors: the register slots a query reads (`Ray`) and what it hit (`HitKind`).
 *
 * Ray parametrisation. A ray is o + t·(hx, b, hz): (hx, hz) the horizontal part, b the vertical
 * slope. Cameras use a direction whose component along the optical axis is 1, so t is depth along
 * the optical axis; lidar uses unit directions, so t is range.
 */

/**
 * Slots of `RenderScene.ray`, the inputs of gather / resolve / shading. They travel through a
 * typed array rather than arguments because V8 boxes double arguments of calls it does not
 * inline, which would allocate per ray.
 */
export const Ray = {
  /** Origin (m). */
  OX: 0,
  OY: 1,
  OZ: 2,
  /** Horizontal direction (per unit t). */
  DX: 3,
  DZ: 4,
  /** Span of vertical slopes (per unit t) the gather must serve. */
  B_LO: 5,
  B_HI: 6,
  /** Walk limit (t units). */
  LIMIT: 7,
  /** Slope of the ray being resolved / shaded. */
  B: 8,
  /** Ray parameter of the hit being shaded. */
  T: 9,
} as const;

/** Length of the ray register array. */
export const RAY_SLOTS = 10;

/** What a ray hit, as `RenderScene.resolve` reports it in `hitKind`. */
export const HitKind = { NONE: 0, FLOOR: 1, CEILING: 2, SIDE: 3, TOP: 4, BOTTOM: 5, SPHERE: 6 } as const;
