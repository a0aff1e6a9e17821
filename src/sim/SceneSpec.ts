/**
 * SceneSpec: the one description of a scene. Physics (cannon-es), the ray-cast renderer and the
 * three.js viewer are all built from it; there is never a second description of a scene.
 *
 * Plain JSON. Types are inferred from the zod schema (one source of truth); `parseSceneSpec`
 * validates untrusted input (scene files, WebSocket messages) and throws one `UsageError` naming
 * the first bad field, e.g. `scene: primitives[3].size[1]: Too small: expected number to be >0`.
 *
 * Coordinates (three.js convention): metres, right-handed, +y up, the floor is the plane y = 0.
 * Ground positions are written [x, z]. A yaw θ (rad) rotates about +y; at yaw θ the robot's
 * forward direction is (cos θ, 0, −sin θ), so +yaw turns left (counter-clockwise seen from above).
 */
import { z } from 'zod';
import { formatZodError, UsageError } from '../core/errors.js';

/** Version of the SceneSpec format; a scene of another version is refused. */
export const SCENE_SPEC_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const positive = finite.refine((v) => v > 0, 'expected a number > 0');
const unit = finite.refine((v) => v >= 0 && v <= 1, 'expected a number in [0, 1]');
const vec2 = z.tuple([finite, finite]);
const vec3 = z.tuple([finite, finite, finite]);
/** Linear RGB in [0, 1]. */
const color = z.tuple([unit, unit, unit]);

/** The zod schema of a material's pattern: solid, checker, stripes or noise (sizes in m). */
export const PatternSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('solid') }).strict(),
  /** Alternating squares of `color` and `color2`; `scale` = square side (m). */
  z.object({ type: z.literal('checker'), scale: positive, color2: color }).strict(),
  /** Parallel bands along the primitive's local x axis; `scale` = band width (m). */
  z.object({ type: z.literal('stripes'), scale: positive, color2: color }).strict(),
  /** Smooth value noise blending `color` into `color2`; `scale` = feature size (m). */
  z.object({ type: z.literal('noise'), scale: positive, color2: color }).strict(),
]);

/** The zod schema of a material: colour, pattern, semantic category and instance. */
export const MaterialSchema = z
  .object({
    color,
    pattern: PatternSchema.default({ type: 'solid' }),
    /** Semantic category id: an index into `SceneSpec.categories`. */
    category: z.number().int().nonnegative(),
    /** Instance id, unique per object in the scene (0 = none). Semantic cameras can report it. */
    instance: z.number().int().nonnegative().default(0),
  })
  .strict();

const primitiveCommon = {
  /** Centre of the primitive (m). A box or cylinder standing on the floor has y = height / 2. */
  position: vec3,
  material: MaterialSchema,
};

/** The zod schema of a static primitive: a box, cylinder or sphere with its size and pose (m, rad) and material. */
export const PrimitiveSchema = z.discriminatedUnion('shape', [
  z
    .object({
      shape: z.literal('box'),
      ...primitiveCommon,
      /** Full extents along the local x, y, z axes (m). */
      size: z.tuple([positive, positive, positive]),
      /** Rotation about +y (rad). */
      yaw: finite.default(0),
    })
    .strict(),
  z
    .object({
      shape: z.literal('cylinder'),
      ...primitiveCommon,
      /** Vertical cylinder: radius (m) and full height (m). */
      radius: positive,
      height: positive,
    })
    .strict(),
  z.object({ shape: z.literal('sphere'), ...primitiveCommon, radius: positive }).strict(),
]);

/** The zod schema of how a dynamic body moves: when pushed, bouncing at a velocity, or patrolling waypoints (m/s). */
export const MotionSchema = z.discriminatedUnion('type', [
  /** Moves only when pushed. */
  z.object({ type: z.literal('free') }).strict(),
  /** Constant ground velocity [vx, vz] (m/s), bouncing off whatever it hits. */
  z.object({ type: z.literal('bounce'), velocity: vec2 }).strict(),
  /** Visits `waypoints` [x, z] in a loop at `speed` (m/s). */
  z.object({ type: z.literal('patrol'), waypoints: z.array(vec2).min(2), speed: positive }).strict(),
]);

/** The zod schema of a dynamic body: its primitive, mass (kg) and motion. */
export const DynamicBodySchema = z
  .object({
    /** The body's shape, size, start position and material. */
    primitive: PrimitiveSchema,
    /** Mass (kg). */
    mass: positive,
    motion: MotionSchema,
  })
  .strict();

/** The zod schema of the lighting: ambient level, light direction and intensity. */
export const LightingSchema = z
  .object({
    /** Ambient intensity in [0, 1]. */
    ambient: unit,
    /** Direction pointing towards the light (need not be unit length; y > 0 lights from above). */
    direction: vec3.refine(([x, y, zz]) => x * x + y * y + zz * zz > 0, 'expected a non-zero direction'),
    /** Directional light intensity in [0, 1]. */
    intensity: unit,
    color: color.default([1, 1, 1]),
  })
  .strict();

/** The zod schema of a ground pose: position [x, z] (m) and heading (rad). */
export const PoseSchema = z
  .object({
    /** Ground position [x, z] (m). */
    position: vec2,
    /** Heading (rad), see the coordinate note at the top of this file. */
    yaw: finite,
  })
  .strict();

/** The zod schema of a goal: a ground position (m), with the object category and instance for ObjectNav. */
export const GoalSchema = z
  .object({
    /** Ground position [x, z] of the goal (m): the point for PointNav, the object centre for ObjectNav. */
    position: vec2,
    /** For ObjectNav: the goal object's semantic category and instance id. */
    category: z.number().int().nonnegative().optional(),
    instance: z.number().int().positive().optional(),
  })
  .strict();

/** The zod schema of a whole scene; `parseSceneSpec` validates with it. */
export const SceneSpecSchema = z
  .object({
    version: z.literal(SCENE_SPEC_VERSION),
    /** Which generator made it and from what seed (informational). */
    generator: z.object({ name: z.string(), seed: z.number().int() }).strict().optional(),
    /** Semantic category names; a material's `category` indexes this list. Index 0 is "void". */
    categories: z.array(z.string().min(1)).min(1),
    /** The walkable floor: an axis-aligned rectangle from `min` to `max` on the ground plane (m). */
    floor: z
      .object({ min: vec2, max: vec2, material: MaterialSchema })
      .strict()
      .refine((f) => f.max[0] > f.min[0] && f.max[1] > f.min[1], 'expected floor.max > floor.min'),
    /** Optional ceiling at `height` (m) over the floor rectangle. */
    ceiling: z.object({ height: positive, material: MaterialSchema }).strict().optional(),
    /** Background colour for rays that hit nothing. */
    sky: color.default([0.55, 0.7, 0.9]),
    primitives: z.array(PrimitiveSchema),
    dynamic: z.array(DynamicBodySchema).default([]),
    lighting: LightingSchema,
    start: PoseSchema,
    goals: z.array(GoalSchema).default([]),
  })
  .strict();

/**
 * A scene as data: floor, walls and furniture as primitives with materials, dynamic bodies, lighting,
 * start and goals (m, rad). Physics, the ray caster and the viewer are all built from it.
 */
export type SceneSpec = z.infer<typeof SceneSpecSchema>;
/** What a generator or a hand-written file may omit (defaults filled in by `parseSceneSpec`). */
export type SceneSpecInput = z.input<typeof SceneSpecSchema>;
/** A static box, cylinder or sphere of a scene. */
export type Primitive = z.infer<typeof PrimitiveSchema>;
/** A primitive's look and semantics: colour, pattern, category and instance. */
export type Material = z.infer<typeof MaterialSchema>;
/** A material's pattern. */
export type Pattern = z.infer<typeof PatternSchema>;
/** A body that moves or can be pushed. */
export type DynamicBody = z.infer<typeof DynamicBodySchema>;
/** How a dynamic body moves. */
export type Motion = z.infer<typeof MotionSchema>;
/** A scene's lighting. */
export type Lighting = z.infer<typeof LightingSchema>;
/** A ground pose: position [x, z] (m) and heading (rad). */
export type Pose = z.infer<typeof PoseSchema>;
/** A goal of a scene. */
export type Goal = z.infer<typeof GoalSchema>;
/** A point or vector [x, z] on the ground plane (m). */
export type Vec2 = [number, number];
/** A point or vector [x, y, z] (m), y up; or a linear RGB colour in [0, 1]. */
export type Vec3 = [number, number, number];

/**
 * Validate untrusted JSON (already parsed) as a SceneSpec. Throws one `UsageError` naming the
 * first bad field; returns a new object with defaults filled in, never a half-checked input.
 */
export function parseSceneSpec(input: unknown, source = 'scene'): SceneSpec {
  const result = SceneSpecSchema.safeParse(input);
  if (!result.success) throw new UsageError(formatZodError(result.error, source));
  const spec = result.data;
  const nCategories = spec.categories.length;
  const checkCategory = (m: Material, where: string): void => {
    if (m.category >= nCategories) {
      throw new UsageError(`${source}: ${where}.material.category: ${m.category} is not an index into categories (length ${nCategories})`);
    }
  };
  checkCategory(spec.floor.material, 'floor');
  if (spec.ceiling) checkCategory(spec.ceiling.material, 'ceiling');
  spec.primitives.forEach((p, i) => {
    checkCategory(p.material, `primitives[${i}]`);
  });
  spec.dynamic.forEach((d, i) => {
    checkCategory(d.primitive.material, `dynamic[${i}].primitive`);
  });
  return spec;
}
