/**
 * robonav/agents: the parts the on-policy agents share, for an algorithm of your own on
 * `OnPolicyAgent` or a tool that reads what training saves.
 */

// Rollout storage and advantage estimation (GAE with truncation bootstrapping).
export { FinalObservations, RolloutBuffer, type Minibatch } from './common/RolloutBuffer.js';
export { computeGae, type GaeInput } from './common/gae.js';
export { computeVtrace, type VtraceInput } from './common/vtrace.js';

// Rollout collection: N envs stepped T times into a RolloutBuffer, the one loop of local training and remote actors;
// the rollout sources an agent takes (its own envs, or trajectories collected elsewhere).
export {
  envResetSeed,
  RolloutCollector,
  samplingSeed,
  type EpisodeEnd,
  type RolloutCollectorOptions,
} from './common/RolloutCollector.js';
export { derivedSamplingSeed, LocalRollouts, type RolloutResult, type RolloutSource } from './common/OnPolicyAgent.js';

// Optimisers with PyTorch's update rules and serialisable state (exact resumes), and global-norm clipping.
export { Adam, clipByGlobalNorm, RMSprop, type Optimizer } from './common/optim.js';

// The shift kernel and defaults of the image augmentation (ImageAugmentation itself is in the main entry).
export { DEFAULT_JITTER_STRENGTH, DEFAULT_SHIFT_PAD, shiftImage } from './common/augment.js';

// The defaults, pair plan and metric names of the auxiliary losses (AuxiliaryTasks itself is in the main entry).
export {
  auxiliaryMetric,
  DEFAULT_AUX_COEF,
  DEFAULT_CPCA_STEPS,
  type AuxiliaryInputs,
  type AuxiliaryPlan,
} from './common/auxiliary.js';

// Batch statistics the agents log and normalise with.
export { explainedVariance, normalize } from './common/stats.js';

// Calling a list of training callbacks after an update, as `learn()` does.
export { runUpdateCallbacks } from './common/callbacks.js';

// The saved policy: a folder with the layers model over raw observations and policy.json describing it.
// quantizePolicy (in the main entry) writes its float16 / uint8 copy, which loads like the original.
export { POLICY_FILE, POLICY_VERSION, policyInfo, PolicyInfoSchema, type PolicyInfo } from './common/policyInfo.js';
export { checkQuantizeTarget, loadPolicyDir, savePolicy, type QuantizedPolicy, type WeightDtype } from './common/savedPolicy.js';

// Agents by name, with the strict schema of each one's config file (`robonav train --config`).
export { AGENTS, CONFIG_SCHEMAS, parseAgentConfig, type AgentName } from './registry.js';
