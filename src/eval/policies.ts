/**
 * Policies by name, as `robonav eval --policy`, `bench policies` and `collect` take them: the
 * loaders of `policyLoaders` are tried in order and the first that recognises the name returns
 * the policy. Built in: `random`, `oracle`, and any existing path, loaded as a saved policy (a run
 * directory, a checkpoint or a policy folder) and checked against the env's spaces. A library
 * user adds a kind of policy by appending a loader.
 */
import { existsSync } from 'node:fs';
import type { Env } from '../core/Env.js';
import { UsageError } from '../core/errors.js';
import type { Policy } from '../core/Policy.js';
import { OraclePolicy } from '../../agents/oracle.js';
import { RandomPolicy } from '../../agents/random.js';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { resolvePolicyDir } from '../runs/checkpoint.js';

/**
 * How a trained policy chose its actions, as evaluation output names it: sampled from its
 * distribution (seeded; how Habitat evaluates, and what the policy was trained to do) or the
 * most likely one.
 */
export type ActionChoice = 'sampled' | 'most likely';

/** How an evaluation picks actions, as its output names it. */
export function actionChoice(deterministic: boolean): ActionChoice {
  return deterministic ? 'most likely' : 'sampled';
}

/** What a policy loader gets besides the name. */
export interface PolicyContext {
  env: Env;
  seed: number;
  /** Trained policies sample their actions (seeded by `seed`) instead of taking the most likely one. @default false */
  stochastic?: boolean;
}

/** Returns the policy for `name`, or null when the name is not its kind. */
export type PolicyLoader = (name: string, context: PolicyContext) => Policy | null | Promise<Policy | null>;

const builtinPolicies: PolicyLoader = (name, { seed }) => {
  if (name === 'random') return new RandomPolicy(seed);
  if (name === 'oracle') return new OraclePolicy();
  return null;
};

/** An existing path: the saved policy of a run, checkpoint or policy folder, checked against the env. */
const savedPolicies: PolicyLoader = async (name, context) => {
  if (!existsSync(name)) return null;
  const policy = await TrainedPolicy.load(await resolvePolicyDir(name), { seed: context.seed, stochastic: context.stochastic ?? false });
  try {
    policy.checkEnv(context.env);
  } catch (err) {
    policy.dispose();
    throw err;
  }
  return policy;
};

/** Loaders tried in order by `loadPolicy`. */
export const policyLoaders: PolicyLoader[] = [builtinPolicies, savedPolicies];

/** The policy named `name`; a name no loader knows is a UsageError. */
export async function loadPolicy(name: string, context: PolicyContext): Promise<Policy> {
  for (const loader of policyLoaders) {
    const policy = await loader(name, context);
    if (policy) return policy;
  }
  throw new UsageError(`unknown policy "${name}"; built-in policies: random, oracle`);
}
