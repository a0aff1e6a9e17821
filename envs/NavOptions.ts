/**
 * The options every navigation task accepts (NavEnv's), as one zod schema: the types are inferred
 * from it, and a bad option becomes one UsageError naming it when the env is made. A task adds its
 * own options with its own schema; `splitOptions` separates the two.
 */
import { z } from 'zod';
import { formatZodError, UsageError } from '../src/core/errors.js';

/** Observation keys, in the order they appear in the observation Dict (NavEnv.ts lists their spaces). */
export const SENSORS = ['rgb', 'depth', 'semantic', 'pointgoal', 'objectgoal', 'goalview', 'gps', 'compass', 'collision', 'lidar'] as const;
/** One observation key of a NavEnv (`'rgb'`, `'depth'`, `'pointgoal'`, …). */
export type SensorName = (typeof SENSORS)[number];

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const positive = finite.refine((v) => v > 0, 'expected a number > 0');
const cameraSchema = z
  .object({
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    hfov: finite,
    mountHeight: finite,
    pitch: finite,
    near: finite,
    far: finite,
    depthNoise: finite,
    rgbNoise: finite,
    fog: z.boolean(),
    fogDensity: finite,
  })
  .partial()
  .strict();

/** Options every task accepts (validated with zod at `make`; a bad one is a UsageError naming it). */
export const navOptionsSchema = z
  .object({
    /** Truncate after this many steps (set by the registry). */
    maxEpisodeSteps: z.number().int().min(1),
    /** Observation keys, see NavEnv.ts. */
    sensors: z.array(z.enum(SENSORS)).min(1),
    /** Camera settings (rgb/depth/semantic follow `sensors`). */
    camera: cameraSchema.default({}),
    /** Shorthand for camera width = height (pixels), or [width, height]. */
    cameraSize: z.union([z.number().int().min(1), z.tuple([z.number().int().min(1), z.number().int().min(1)])]).optional(),
    lidar: z
      .object({ beams: z.number().int(), arc: finite, mountHeight: finite, maxRange: finite, noise: finite })
      .partial()
      .strict()
      .default({}),
    robot: z
      .object({
        radius: positive,
        height: positive,
        forwardStep: positive,
        turnStep: positive,
        maxLinear: positive,
        maxAngular: positive,
        controlInterval: positive,
        substeps: z.number().int().min(1),
        actuationNoise: finite.refine((v) => v >= 0, 'expected a number ≥ 0'),
      })
      .partial()
      .strict()
      .default({}),
    /** Velocity actions instead of the four discrete ones. */
    continuous: z.boolean().default(false),
    /** Which scene seeds to draw from: train / val / test are disjoint ranges (see episodes.ts). */
    split: z.enum(['train', 'val', 'test']).default('train'),
    /** Episodes run in one scene before the next is generated (scene generation is the slow part of reset). */
    episodesPerScene: z.number().int().min(1).default(4),
    /** Extra generator options (sizes, randomisation, dynamic obstacles). */
    scene: z.record(z.string(), z.unknown()).default({}),
    /** Reward per step (the slack that makes shorter episodes better). */
    slackReward: finite.default(-0.01),
    /** Reward on success. */
    successReward: finite.default(2.5),
    /**
     * Scale the success reward by the path's efficiency ℓ / max(p, ℓ), so that success pays
     * successReward × the episode's SPL: a detour then costs more than its slack.
     */
    splReward: z.boolean().default(false),
    /** Subtracted on every step that touches something. */
    collisionPenalty: finite.refine((v) => v >= 0, 'expected a number ≥ 0').default(0),
    /** End the episode as soon as the task succeeds, without STOP (always so with continuous actions). */
    endOnSuccess: z.boolean().default(false),
    /** Range (m) that bounds the pointgoal distance and gps observations. */
    range: finite.refine((v) => v > 0, 'expected a number > 0').default(20),
    /**
     * How `pointgoal` reads the goal: 'polar' [distance, bearing], or 'cosSin' [distance, cos bearing,
     * sin bearing], the same reading without the jump from +π to −π behind the robot (the goal
     * encoding of Habitat's PointNav policies).
     */
    pointgoalFormat: z.enum(['polar', 'cosSin']).default('polar'),
  })
  .strict();

/** NavEnv's options as a user passes them to `make(id, options)` (every field optional, defaults filled in). */
export type NavOptions = z.input<typeof navOptionsSchema>;
/** NavEnv's options after validation: every field present. */
export type NavConfig = z.output<typeof navOptionsSchema>;

/**
 * Split a task's options (registry defaults overridden by the caller's) into the task's own,
 * validated with its schema, and the rest, for NavEnv.
 */
export function splitOptions<S extends z.ZodObject>(
  id: string,
  schema: S,
  defaults: Record<string, unknown>,
  options: Record<string, unknown>,
): { task: z.output<S>; base: Record<string, unknown> } {
  const merged = { ...defaults, ...options };
  const own = Object.keys(schema.shape);
  const task = parseOptions(id, schema, Object.fromEntries(Object.entries(merged).filter(([k]) => own.includes(k))));
  const base = Object.fromEntries(Object.entries(merged).filter(([k]) => !own.includes(k)));
  return { task, base };
}

/** Validate options with a zod schema; the first problem becomes one UsageError naming the option. */
export function parseOptions<S extends z.ZodType>(id: string, schema: S, options: unknown): z.output<S> {
  const result = schema.safeParse(options);
  if (!result.success) throw new UsageError(formatZodError(result.error, `${id} options`));
  return result.data;
}
