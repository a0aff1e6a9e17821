/**
 * The public entry of the robonav library. Each export is here on purpose: the Env contract and
 * spaces (to write or wrap envs), the scene format, and — as they land — the registry, agents and
 * training utilities.
 */
export { Rng, type RngState } from './core/Rng.js';
export { Box, Discrete, Dict, Space, spaceFromJSON, spacesEqual, type SpaceValue, type BoxValue } from './core/spaces.js';
export type * from './core/Env.js';
export { UsageError, SpaceError, EnvStateError, FileFormatError } from './core/errors.js';
export { parseSceneSpec, SCENE_SPEC_VERSION, type SceneSpec, type SceneSpecInput, type Primitive, type Material } from './sim/SceneSpec.js';
export { loadSceneFile } from './sim/SceneSpec.js';
export { CATEGORIES, OBJECT_CATEGORIES, categoryId } from './sim/categories.js';
export {
  generateScene,
  GENERATOR_NAMES,
  TMAZE_CUE_COLORS,
  type GeneratorName,
  type GenerateOptions,
  type DomainRandomization,
  type ObjectPlacementOptions,
} from './sim/generators/index.js';
export { OccupancyGrid } from './sim/OccupancyGrid.js';
export { GeodesicField } from './sim/GeodesicField.js';
// Viewer: the WebSocket protocol (for custom clients), replay files, and the live-view hook for training loops.
export * as protocol from './stream/protocol.js';
export {
  PROTOCOL_VERSION,
  type ServerMessage,
  type ClientMessage,
  type StepMessage,
  type SceneMessage,
  type EpisodeEndMessage,
  type MetricPoint,
  type Frame,
  type FrameKind,
} from './stream/protocol.js';
export { Recording, RecordedEpisode, RecordingWriter, attachRecorder, RECORDING_VERSION, type RecordingHeader } from './runs/Recording.js';
export { EpisodeStreamer, streamerFor, type EpisodeSink, type EpisodeSource, type ViewableEnv } from './stream/EpisodeStreamer.js';
export { RelayedEpisodes } from './stream/RelayedEpisodes.js';
export { LiveViewer, attachViewer, type LiveViewerOptions } from './server/LiveViewer.js';
export { PhysicsWorld, DEFAULT_ROBOT, DiscreteAction, type RobotConfig } from './sim/PhysicsWorld.js';
// Envs: the registry (make by id), vector envs (in-process and worker threads), the env checker, episode datasets, metrics, evaluation.
export { make, listEnvs, registerEnv, type EnvRegistration } from '../envs/registry.js';
export { SyncVectorEnv } from '../envs/vector/SyncVectorEnv.js';
export { WorkerVectorEnv, type WorkerVectorEnvOptions } from '../envs/vector/WorkerVectorEnv.js';
export { checkEnv, EnvCheckError, hashObservation } from './core/checkEnv.js';
export { NavEnv, SENSORS, type SensorName, type NavOptions } from '../envs/NavEnv.js';
export {
  generateEpisodes,
  readEpisodeFile,
  writeEpisodeFile,
  SCENE_SPLITS,
  type EpisodeSpec,
  type EpisodeFile,
  type Split,
} from '../envs/episodes.js';
export { spl, softSpl, EpisodeMetrics, type NavMetrics } from '../envs/metrics.js';
export type { Policy } from './core/Policy.js';
export { evaluate, type EvaluationSummary } from './eval/evaluate.js';
export { loadPolicy, policyLoaders, type PolicyLoader } from './eval/policies.js';
// Benchmarks and reports: the same fixed episodes for every policy, bootstrap intervals, the HTML report.
export { runPoliciesBench, type PoliciesBenchConfig, type PoliciesBenchResult, type PolicyRow } from './eval/bench/policiesBench.js';
export { bootstrapMeanCI, type BootstrapConfig } from './eval/bootstrap.js';
export { writeReport, type ReportConfig } from './eval/report/report.js';
// Perception pretraining: datasets of recorded frames (write, read, collect), the GAN / CNN / RNN pretrainers, the Fréchet distance, and loading pretrained weights into a policy.
export { ShardWriter, type ShardWriterOptions } from './pretrain/dataset/ShardWriter.js';
export {
  ShardReader,
  fieldTensor,
  splitEpisodesBySeed,
  type FrameBatch,
  type BatchOptions,
  type WindowOptions,
} from './pretrain/dataset/ShardReader.js';
export { collect, RandomMovePolicy, FRAME_KEYS, type CollectOptions } from './pretrain/dataset/collect.js';
export { FrameFlag, type DatasetIndex, type FieldSpec, type EpisodeEntry } from './pretrain/dataset/format.js';
export { Dcgan, trainGan, DEFAULT_GAN, type GanConfig, type GanRunResult } from './pretrain/gan.js';
export { FrechetEncoder, frechetDistance, fitGaussian, symmetricEigen, sqrtPsd, type Gaussian } from './pretrain/frechet.js';
export { CnnPretrainer, trainCnn, CNN_TASKS, type CnnTask, type CnnRunResult } from './pretrain/cnn.js';
export { RnnPretrainer, trainRnn, odometry, type RnnRunResult } from './pretrain/rnn.js';
export {
  readPretrained,
  applyPretrainedEncoder,
  applyPretrainedCore,
  coreInputMismatch,
  loadPretrainedEncoder,
  loadPretrainedCore,
  readManifest,
  type CoreTransfer,
  type PretrainManifest,
  type PretrainedModule,
} from './pretrain/pretrained.js';
// TensorFlow.js: the backend every tensor computation awaits first (tfjs-node, else wasm with robonav's kernels, else cpu), and layers models on disk without tfjs-node.
export { initBackend, BACKEND_NAMES, type BackendName, type BackendInfo, type InitBackendOptions } from './nn/backend.js';
export { fileIO, saveModel, loadModel, MODEL_JSON, WEIGHTS_BIN } from './nn/fileIO.js';
// Sensors: the CPU ray caster (a SceneSpec flattened once, a pinhole camera, a planar lidar), frame buffers, the blank-camera guard.
export { RenderScene, type RenderSceneOptions } from './render/RenderScene.js';
export { Camera, allocateFrame, DEFAULT_CAMERA, type CameraConfig, type CameraFrame } from './render/Camera.js';
export { Lidar, DEFAULT_LIDAR, type LidarConfig } from './render/Lidar.js';
export { assertNotBlank, isBlankFrame } from './render/blank.js';
// Agents: `new PPO(envFactory, config).learn(steps)`; the actor-critic network they share; a saved policy as a Policy; wrappers.
export { PPO, DEFAULT_PPO, type PPOConfig } from '../agents/ppo.js';
export { A2C, DEFAULT_A2C, type A2CConfig } from '../agents/a2c.js';
export { Reinforce, DEFAULT_REINFORCE, type ReinforceConfig } from '../agents/reinforce.js';
export { TrainedPolicy, type TrainedPolicyOptions } from '../agents/TrainedPolicy.js';
export { ActorCritic, DEFAULT_ACTOR_CRITIC, type ActorCriticConfig } from './nn/ActorCritic.js';
export {
  OnPolicyAgent,
  type OnPolicyConfig,
  type NetworkInit,
  type LearnOptions,
  type AgentState,
} from '../agents/common/OnPolicyAgent.js';
export { ProgressBarCallback, type TrainingCallback, type UpdateRecord } from '../agents/common/callbacks.js';
export { MetricsWriter } from './runs/MetricsWriter.js';
export { saveCheckpoint, loadCheckpoint, loadSavedPolicy, resolvePolicyDir } from './runs/checkpoint.js';
export { savePolicy, type PolicyInfo } from '../agents/common/savedPolicy.js';
export { computeGae, type GaeInput } from '../agents/common/gae.js';
export { FrameStack } from '../envs/wrappers/FrameStack.js';
export { OneHotObservation } from '../envs/wrappers/OneHotObservation.js';
