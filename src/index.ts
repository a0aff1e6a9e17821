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
export { generateScene, GENERATOR_NAMES, TMAZE_CUE_COLORS, type GeneratorName, type GenerateOptions, type DomainRandomization, type ObjectPlacementOptions } from './sim/generators/index.js';
export { OccupancyGrid } from './sim/OccupancyGrid.js';
export { GeodesicField } from './sim/GeodesicField.js';
// Viewer: the WebSocket protocol (for custom clients), replay files, and the live-view hook for training loops.
export * as protocol from './server/protocol.js';
export { PROTOCOL_VERSION, type ServerMessage, type ClientMessage, type StepMessage, type SceneMessage, type EpisodeEndMessage, type MetricPoint, type Frame, type FrameKind } from './server/protocol.js';
export { Recording, RecordedEpisode, RecordingWriter, RECORDING_VERSION, type RecordingHeader } from './server/Recording.js';
export { EpisodeStreamer, streamerFor, type EpisodeSink, type ViewableEnv } from './server/EpisodeStreamer.js';
export { LiveViewer, attachViewer, type LiveViewerOptions } from './server/LiveViewer.js';
export { PhysicsWorld, DEFAULT_ROBOT, DiscreteAction, type RobotConfig } from './sim/PhysicsWorld.js';
