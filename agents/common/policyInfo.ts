/**
 * `policy.json`: what a runner needs besides a saved policy's model (spaces, input order, action
 * distribution, Gaussian log-std, recurrent core). Free of Node APIs, so that a browser page can
 * validate it too; `savedPolicy.ts` reads and writes the folders that hold it.
 */
import { z } from 'zod';
import { SpaceJSONSchema } from '../../src/core/spaces.js';
import { QUANTIZATION_DTYPES } from '../../src/nn/quantize.js';
import type { OnPolicyAgent } from './OnPolicyAgent.js';

/** Version of the `policy.json` format; a policy of another version is refused. */
export const POLICY_VERSION = 1;
/** The file in a policy folder that describes the model beside it. */
export const POLICY_FILE = 'policy.json';

/** The zod schema of `policy.json`: the agent, the spaces, the model inputs and the recurrent core, if any. */
export const PolicyInfoSchema = z.object({
  version: z.literal(POLICY_VERSION),
  /** The agent that trained it (ppo, a2c, reinforce). */
  agent: z.string(),
  observationSpace: SpaceJSONSchema,
  actionSpace: SpaceJSONSchema,
  /** Model inputs in order: observation keys (null for a single Box), then the core state. */
  inputs: z.array(z.string().nullable()),
  distribution: z.enum(['categorical', 'gaussian']),
  /** The Gaussian's log-std (Box actions), else null. */
  logStd: z.array(z.number()).nullable(),
  core: z.object({ kind: z.enum(['gru', 'lstm']), size: z.number().int().positive(), numStates: z.number().int().positive() }).nullable(),
  /** Env steps of training behind it. */
  step: z.number().int().nonnegative(),
  /** What the trainer recorded about the run (env id and options, so eval can rebuild the env). */
  meta: z.record(z.string(), z.unknown()),
  /** How its float32 weights are stored when quantised (`quantizePolicy`); absent: float32. */
  quantization: z.enum(QUANTIZATION_DTYPES).optional(),
});

/** `policy.json`: how to run the saved model. */
export type PolicyInfo = z.infer<typeof PolicyInfoSchema>;

/** The `policy.json` of an agent's current network. */
export function policyInfo(agent: OnPolicyAgent, meta: Record<string, unknown> = {}): PolicyInfo {
  const net = agent.network;
  return {
    version: POLICY_VERSION,
    agent: agent.name,
    observationSpace: net.observationSpace.toJSON(),
    actionSpace: net.actionSpace.toJSON(),
    inputs: [...net.inputs.map(([key]) => key), ...(net.core ? (net.core.numStates === 1 ? ['state_h'] : ['state_h', 'state_c']) : [])],
    distribution: net.dist.kind,
    logStd: net.logStd ? Array.from(net.logStd.dataSync()) : null,
    core: net.core ? { kind: net.core.kind, size: net.core.size, numStates: net.core.numStates } : null,
    step: agent.globalStep,
    meta,
  };
}
