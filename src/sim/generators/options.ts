/**
 * Generator options shared by every generator, validated with zod at the edge (CLI flags, env
 * options): a bad option is one UsageError naming the generator and the option.
 */
import { z } from 'zod';
import { formatZodError, UsageError } from '../../core/errors.js';

export const baseOptionsSchema = z
  .object({
    /** Scene seed: one seed, one scene. */
    seed: z.number().int(),
    /** Domain-randomisation switches (all off by default). */
    randomize: z
      .object({ wallColors: z.boolean(), floorPatterns: z.boolean(), lighting: z.boolean(), objectColors: z.boolean() })
      .partial()
      .strict()
      .default({}),
    /** ObjectNav objects: when given, the goals are the reachable instances of these categories. */
    objects: z
      .object({ categories: z.array(z.string()).min(1).optional(), perCategory: z.number().int().min(1).max(10).optional() })
      .strict()
      .optional(),
    /** Radius (m) of the robot the start and goals must suit (the physics default). */
    robotRadius: z.number().min(0.05).max(1).default(0.18),
    /** Number of moving obstacles (bouncing, patrolling, pushable in turn). */
    dynamic: z.number().int().min(0).max(50).default(0),
  })
  .strict();

export function parseGeneratorOptions<S extends z.ZodType>(generator: string, schema: S, options: unknown): z.output<S> {
  const result = schema.safeParse(options);
  if (!result.success) throw new UsageError(formatZodError(result.error, `${generator} generator options`));
  return result.data;
}
