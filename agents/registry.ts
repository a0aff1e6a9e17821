/**
 * Validation of training configs (`robonav train --config cfg.json`, checkpoints): one zod schema
 * per agent, strict, so an unknown key or a bad value is a `UsageError` naming the key before any
 * file is written. Every field is optional; missing ones take the agent's `DEFAULT_X`.
 */
import { z } from 'zod';
import { formatZodError, UsageError } from '../src/core/errors.js';

/** The agents `robonav train --agent` knows, by name. */
export const AGENTS = ['ppo', 'a2c', 'reinforce'] as const;
/** One of `AGENTS`. */
export type AgentName = (typeof AGENTS)[number];

const positiveInt = z.number().int().positive();
const unit = z.number().min(0).max(1);

const network = z
  .object({
    cnn: z.enum(['auto', 'nature', 'impala', 'small']),
    mlpHidden: z.array(positiveInt),
    activation: z.enum(['tanh', 'relu']),
    vectorNorm: z.enum(['raw', 'bounds']),
    fusionHidden: z.array(positiveInt),
    core: z.enum(['none', 'gru', 'lstm']),
    coreSize: positiveInt,
    logStdInit: z.number().finite(),
    policyBias: z.array(z.number().finite()),
  })
  .strict()
  .partial();

// The update's image augmentation (agents/common/augment.ts): a list of steps, each a known kind.
const augment = z.array(
  z.discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('shift'), pad: positiveInt })
      .strict()
      .partial({ pad: true }),
    z
      .object({
        kind: z.literal('colorJitter'),
        strength: z.number().gt(0).lt(1),
        keys: z.array(
          z
            .string()
            .min(1)
            .refine((k) => k !== 'depth' && k !== 'semantic', 'depth and semantic frames are not colour images'),
        ),
      })
      .strict()
      .partial({ strength: true, keys: true }),
  ]),
);

// Auxiliary losses trained with the RL loss (agents/common/auxiliary.ts): each kind at most once.
const coef = z.number().min(0).finite();
const auxiliary = z
  .array(
    z.discriminatedUnion('kind', [
      z
        .object({ kind: z.literal('inverseDynamics'), coef })
        .strict()
        .partial({ coef: true }),
      z
        .object({ kind: z.literal('cpcA'), steps: positiveInt, coef })
        .strict()
        .partial({ steps: true, coef: true }),
      z
        .object({ kind: z.literal('pathBearing'), coef })
        .strict()
        .partial({ coef: true }),
      z
        .object({ kind: z.literal('atGoal'), coef })
        .strict()
        .partial({ coef: true }),
      z
        .object({ kind: z.literal('stopAtGoal'), action: z.number().int().min(0), coef })
        .strict()
        .partial({ action: true, coef: true }),
    ]),
  )
  .refine((list) => new Set(list.map((a) => a.kind)).size === list.length, 'each kind at most once');

const common = {
  seed: z.number().int().min(0),
  numEnvs: positiveInt,
  numSteps: positiveInt,
  gamma: unit,
  learningRate: z.number().positive().finite(),
  annealLr: z.boolean(),
  finalLearningRate: z.number().min(0).finite(),
  maxGradNorm: z.number().positive(),
  entCoef: z.number().min(0).finite(),
  vfCoef: z.number().min(0).finite(),
  network,
  augment,
  auxiliary,
};

/** Each agent's config-file schema: strict (an unknown key is an error) and partial (missing keys take the defaults). */
export const CONFIG_SCHEMAS = {
  ppo: z
    .object({
      ...common,
      gaeLambda: unit,
      numMinibatches: positiveInt,
      updateEpochs: positiveInt,
      normAdv: z.boolean(),
      clipCoef: z.number().positive(),
      clipVloss: z.boolean(),
      targetKl: z.number().positive().nullable(),
    })
    .strict()
    .partial(),
  a2c: z
    .object({ ...common, gaeLambda: unit, normAdv: z.boolean(), rmspropAlpha: unit, rmspropEps: z.number().positive() })
    .strict()
    .partial(),
  reinforce: z
    .object({ ...common, baseline: z.boolean(), normReturns: z.boolean() })
    .strict()
    .partial(),
} as const;

/** Parse a partial agent config; `source` names where it came from in the error. */
export function parseAgentConfig(agent: AgentName, value: unknown, source: string): Record<string, unknown> {
  const result = CONFIG_SCHEMAS[agent].safeParse(value);
  if (result.success) return result.data as Record<string, unknown>;
  // An unknown key is the common mistake: list the keys the agent does accept.
  const accepted =
    result.error.issues[0]?.code === 'unrecognized_keys'
      ? ` (${agent} accepts ${Object.keys(CONFIG_SCHEMAS[agent].shape).join(', ')})`
      : '';
  throw new UsageError(`${formatZodError(result.error, source)}${accepted}`);
}
