/**
 * robonav/envs: what writing a navigation task or an env-level tool takes beyond the main entry —
 * the navigation metrics, the option and episode schemas, and the hook that wraps an env inside a
 * worker thread.
 */

// Navigation metrics (success, SPL, soft-SPL): the pure formulas and the per-episode accumulator every task uses.
export { EpisodeMetrics, pathEfficiency, polylineLength, softSpl, spl, type NavMetrics } from './metrics.js';

// Task options: each task's zod schema, and the helpers a new NavEnv subclass validates its own options and places points with.
export { cellCenter } from './NavEnv.js';
export { navOptionsSchema, parseOptions, splitOptions, type NavConfig } from './NavOptions.js';
export { pointNavOptionsSchema } from './PointNav.js';
export { objectNavOptionsSchema } from './ObjectNav.js';
export { exploreOptionsSchema } from './Explore.js';
export { tmazeOptionsSchema } from './TMaze.js';

// Seen floor: what Explore and ObjectNav's coverage reward count, for a task of your own that rewards looking around.
export { SeenFloor, sightObstacles, type SightOptions } from './SeenFloor.js';

// Episode files: the schemas and version of the format `robonav episodes` writes, and one episode's validator.
export { EPISODE_FILE_VERSION, EpisodeFileSchema, EpisodeSchema, parseEpisode } from './episodes.js';

// Worker-thread wrappers: the `wrapper` option of WorkerVectorEnv, to run code of your own around one env inside its worker.
export type { WorkerEnvChannel, WorkerEnvContext, WorkerEnvWrapper, WrapWorkerEnv } from './vector/workerProtocol.js';
