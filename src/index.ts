/**
 * robonav: make or write an env, train an agent on it, evaluate a policy, keep the run on disk and
 * watch it in the browser. Each group below says why it is part of this entry; everything else a
 * layer offers (the simulator, the ray caster, the network parts, pretraining, benchmarks, the
 * viewer server…) is one subpath away, `robonav/<layer>` (see package.json "exports").
 */

// The contracts every env, vector env and policy implements, and that agents, evaluation and the viewer accept.
export type {
  Action,
  BatchedObservation,
  Env,
  EnvFactory,
  Info,
  Observation,
  ResetArgs,
  ResetResult,
  StepResult,
  VectorEnv,
  VectorResetResult,
  VectorStepResult,
} from './core/Env.js';
export type { Policy } from './core/Policy.js';

// Spaces: how an env declares its observations and actions (and how a saved policy records them).
export {
  Box,
  Dict,
  Discrete,
  Space,
  spaceFromJSON,
  spacesEqual,
  type BoxDtype,
  type BoxValue,
  type SpaceJSON,
  type SpaceValue,
} from './core/spaces.js';

// Errors with a literal `code`, so a caller can tell bad input, a bad action, misuse and an unreadable file apart.
export { EnvStateError, FileFormatError, SpaceError, UsageError } from './core/errors.js';

// The seeded random stream of envs and agents: a custom env draws from it to be reproducible from its reset seed.
export { Rng, type RngState } from './core/Rng.js';

// Making and checking envs: the registry of ids (make one, register your own) and the checker a new env should pass.
export { envSpec, listEnvs, make, registerEnv, type EnvOptions, type EnvRegistration } from '../envs/registry.js';
export { checkEnv, EnvCheckError, type CheckEnvOptions } from './core/checkEnv.js';

// Vector envs: N envs stepped together for training, in this thread or in worker threads.
export { SyncVectorEnv } from '../envs/vector/SyncVectorEnv.js';
export { WorkerVectorEnv, type WorkerVectorEnvOptions } from '../envs/vector/WorkerVectorEnv.js';

// Wrappers: the Gymnasium-style base for your own, and the provided ones (one observation transformation each).
export { Wrapper } from '../envs/wrappers/Wrapper.js';
export { FrameStack } from '../envs/wrappers/FrameStack.js';
export { OneHotObservation } from '../envs/wrappers/OneHotObservation.js';

// The navigation tasks, to construct with options of your own or to subclass; a new task extends NavEnv.
export { NavEnv, type TaskDefinition, type TaskStep } from '../envs/NavEnv.js';
export { SENSORS, type NavOptions, type SensorName } from '../envs/NavOptions.js';
export { PointNav, type PointNavOptions } from '../envs/PointNav.js';
export { ObjectNav, type ObjectNavOptions } from '../envs/ObjectNav.js';
export { Explore, type ExploreOptions } from '../envs/Explore.js';
export { TMaze, type TMazeOptions } from '../envs/TMaze.js';

// Scenes: the one format the tasks, the physics, the camera and the viewer share, its generators and scene files.
export {
  parseSceneSpec,
  SCENE_SPEC_VERSION,
  type Material,
  type Primitive,
  type SceneSpec,
  type SceneSpecInput,
} from './sim/SceneSpec.js';
export { loadSceneFile } from './sim/sceneFile.js';
export {
  GENERATOR_NAMES,
  generateScene,
  type DomainRandomization,
  type GenerateOptions,
  type GeneratorName,
  type ObjectPlacementOptions,
} from './sim/generators/index.js';

// The TensorFlow.js backend, awaited once before an agent or a trained policy computes anything.
export { initBackend, type BackendInfo, type BackendName, type InitBackendOptions } from './nn/backend.js';

// Agents: the three algorithms with their configs and defaults, the network config they share, and the base a new on-policy algorithm extends.
export { PPO, DEFAULT_PPO, type PPOConfig } from '../agents/ppo.js';
export { A2C, DEFAULT_A2C, type A2CConfig } from '../agents/a2c.js';
export { Reinforce, DEFAULT_REINFORCE, type ReinforceConfig } from '../agents/reinforce.js';
export { DEFAULT_ACTOR_CRITIC, type ActorCriticConfig } from './nn/ActorCritic.js';
export {
  OnPolicyAgent,
  type AgentState,
  type EpisodeStats,
  type LearnOptions,
  type NetworkInit,
  type OnPolicyConfig,
} from '../agents/common/OnPolicyAgent.js';
// Image augmentation of the update's minibatches (the `augment` list of an agent config): random shift, colour jitter.
export {
  ImageAugmentation,
  type AugmentSpec,
  type ColorJitterAugment,
  type ShiftAugment,
} from '../agents/common/augment.js';
// Auxiliary losses trained with the RL loss (the `auxiliary` list of an agent config): inverse dynamics, CPC|A.
export {
  AuxiliaryTasks,
  type AuxiliarySpec,
  type CpcAAux,
  type InverseDynamicsAux,
} from '../agents/common/auxiliary.js';

// Training callbacks: what `learn()` calls at the start, after every update and at the end (progress, metrics, early stop).
export {
  ProgressBarCallback,
  StopOnSignal,
  type StopOnSignalOptions,
  type CallbackResult,
  type MetricRecord,
  type MetricValue,
  type TrainingCallback,
  type TrainingProgress,
  type UpdateRecord,
} from '../agents/common/callbacks.js';

// Policies: the baselines, a trained network as a Policy, and loading any of them by name or path.
export { RandomPolicy } from '../agents/random.js';
export { DEFAULT_ORACLE, OraclePolicy, type OracleConfig } from '../agents/oracle.js';
export { TrainedPolicy, type TrainedPolicyOptions } from '../agents/TrainedPolicy.js';
export { ModelPolicy } from '../agents/ModelPolicy.js';
export { loadPolicy, policyLoaders, type ActionChoice, type PolicyContext, type PolicyLoader } from './eval/policies.js';

// Saliency: which pixels of its camera a trained policy acts on, and how much each observation key drives the action.
export {
  combinedMap,
  PolicySaliency,
  SALIENCY_METHODS,
  type SaliencyMap,
  type SaliencyMethod,
  type SaliencyOptions,
  type SaliencyResult,
} from './nn/saliency.js';

// Evaluation: a policy on fixed episodes, with 95% intervals; the episode datasets that make evaluations comparable.
export { evaluate, type EpisodeResult, type EvaluateOptions, type EvaluationSummary } from './eval/evaluate.js';
export { EvalCallback, evaluateAgent, type EvalCallbackOptions, type EvalResult, type EvaluateAgentOptions } from './eval/EvalCallback.js';
export {
  generateEpisodes,
  isEpisodeSampler,
  SCENE_SPLITS,
  SPLITS,
  type EpisodeFile,
  type EpisodeSampler,
  type EpisodeSpec,
  type Split,
} from '../envs/episodes.js';
export { fixedEpisodes, readEpisodeFile, writeEpisodeFile, type EpisodeSource } from '../envs/episodeFile.js';

// The trained agent on a static page: env and policy run in the visitor's browser (`robonav export-web`).
export { exportWebPage, type ExportWebOptions, type ExportWebResult } from './eval/exportWeb.js';

// Compressing a saved policy to float16 / uint8 weights (by choice, or the smallest that keeps its SPL): smaller downloads for the browser.
export { compressPolicy, type CompressOptions, type CompressResult, type QuantizeChoice } from './eval/quantize.js';
export { quantizePolicy, type WeightDtype } from '../agents/common/savedPolicy.js';

// Runs: checkpoints to resume from, the saved policy in them, and the metrics log a training run writes.
export { loadCheckpoint, loadSavedPolicy, saveCheckpoint, type RunMeta } from './runs/checkpoint.js';
export { MetricsWriter } from './runs/MetricsWriter.js';
export { CheckpointCallback, type CheckpointCallbackOptions } from './runs/CheckpointCallback.js';
export { readRunFile, writeRunFile, type PretrainedStart, type RunFile } from './runs/runFile.js';

// The viewer from a loop of your own: stream an env (in this thread or a worker's) to the browser live, or record its episodes to replay later.
export { attachViewer, LiveViewer, type LiveViewerOptions } from './server/LiveViewer.js';
export { ViewerCallback } from './server/ViewerCallback.js';
export { relayedEnv } from './stream/relayWorker.js';
export { attachRecorder, type RecordingWriterOptions } from './runs/Recording.js';
