/**
 * The env registry: ids → factories, with the episode limit of each id (Gymnasium keeps episode
 * limits in the registry, not in the env classes).
 *
 * `make(id, options)` passes `maxEpisodeSteps` (the registered limit, unless `options` overrides it)
 * to the env's `create`; every env must truncate at that many steps. Ids follow Gymnasium's
 * `Name-vN`; bump the version when an env's dynamics, rewards or spaces change.
 *
 * The built-in robonav tasks are registered at the bottom of this file. Worker-thread vector envs
 * create their envs in the worker from an id, so an env registered at run time must be registered
 * in a module the workers import too (see `WorkerVectorEnv`'s `modules` option).
 */
import type { Env } from '../src/core/Env.js';
import { UsageError } from '../src/core/errors.js';
import { Explore } from './Explore.js';
import { ObjectNav } from './ObjectNav.js';
import { PointNav } from './PointNav.js';
import { TMaze } from './TMaze.js';

/** Options given to an env factory: the caller's options plus the registered episode limit. */
export type EnvOptions = Record<string, unknown> & { maxEpisodeSteps: number };

/** What `registerEnv` records for an id: a description, the episode limit and the factory. */
export interface EnvRegistration {
  /** One line for `robonav envs`. */
  description: string;
  /** Episode limit (steps) after which the env truncates; `options.maxEpisodeSteps` overrides it. */
  maxEpisodeSteps: number;
  create: (options: EnvOptions) => Env;
}

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*-v\d+$/;
const registry = new Map<string, EnvRegistration>();

/** Register an env id. Ids must look like `Name-v0` and may be registered once. */
export function registerEnv(id: string, spec: EnvRegistration): void {
  if (!ID_PATTERN.test(id)) throw new UsageError(`registerEnv: id "${id}" must look like Name-v0 (letters, digits, dashes, then -vN)`);
  if (registry.has(id)) throw new UsageError(`registerEnv: "${id}" is already registered`);
  if (!Number.isInteger(spec.maxEpisodeSteps) || spec.maxEpisodeSteps < 1) {
    throw new UsageError(`registerEnv: "${id}" maxEpisodeSteps must be a positive integer, got ${spec.maxEpisodeSteps}`);
  }
  registry.set(id, { ...spec });
}

/** Every registered id with its description and episode limit, sorted by id. */
export function listEnvs(): Array<{ id: string; description: string; maxEpisodeSteps: number }> {
  return [...registry.entries()]
    .map(([id, spec]) => ({ id, description: spec.description, maxEpisodeSteps: spec.maxEpisodeSteps }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The registration of `id`; an unknown id is a `UsageError` listing the known ones. */
export function envSpec(id: string): EnvRegistration {
  const spec = registry.get(id);
  if (!spec)
    throw new UsageError(
      `unknown env "${id}"; known envs: ${listEnvs()
        .map((e) => e.id)
        .join(', ')}`,
    );
  return spec;
}

/**
 * Create a fresh env by id; `options` go to the env (a NavEnv validates them and names a bad one)
 * and may override the registered `maxEpisodeSteps`.
 * @throws UsageError for an unknown id or a bad option.
 *
 * @example
 * ```ts
 * const env = make('PointNav-Easy-v0', { sensors: ['depth', 'pointgoal'], cameraSize: 32 });
 * const { obs } = env.reset({ seed: 0 }); // { depth: 32×32 m, pointgoal: [distance m, bearing rad] }
 * const { reward, terminated, truncated } = env.step(1); // MOVE_FORWARD, 0.25 m
 * env.close();
 * ```
 */
export function make(id: string, options: Record<string, unknown> = {}): Env {
  const spec = envSpec(id);
  const maxEpisodeSteps = options.maxEpisodeSteps ?? spec.maxEpisodeSteps;
  if (typeof maxEpisodeSteps !== 'number' || !Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    throw new UsageError(`${id}: maxEpisodeSteps must be a positive integer, got ${String(maxEpisodeSteps)}`);
  }
  return spec.create({ ...options, maxEpisodeSteps });
}

// ---- the built-in tasks ----------------------------------------------------------------------

registerEnv('PointNav-v0', {
  description: 'PointGoal navigation in a 10×10 m apartment (rooms); depth 64×64 + pointgoal',
  maxEpisodeSteps: 500,
  create: (o) => new PointNav('PointNav-v0', 'rooms', o, { sensors: ['depth', 'pointgoal'], minGeodesicRatio: 1.1 }),
});
registerEnv('PointNav-Easy-v0', {
  description: 'PointGoal navigation in a 5×5 m arena with 6 obstacles; depth 64×64 + pointgoal',
  maxEpisodeSteps: 200,
  create: (o) => new PointNav('PointNav-Easy-v0', 'arena', o, { sensors: ['depth', 'pointgoal'] }),
});
registerEnv('Maze-v0', {
  description: 'PointGoal navigation through a 7×7 maze of 1 m cells; depth 64×64 + pointgoal',
  maxEpisodeSteps: 500,
  create: (o) => new PointNav('Maze-v0', 'maze', o, { sensors: ['depth', 'pointgoal'], minGoalDistance: 2, minGeodesicRatio: 1.1 }),
});
registerEnv('ObjectNav-v0', {
  description: 'find any instance of a named category (9 kinds) in a rooms apartment; rgb + depth 64×64, objectgoal, gps, compass',
  maxEpisodeSteps: 500,
  create: (o) => new ObjectNav('ObjectNav-v0', 'rooms', o, { sensors: ['rgb', 'depth', 'objectgoal', 'gps', 'compass'] }),
});
registerEnv('ObjectNav-Easy-v0', {
  description: 'find a chair, plant or ball in a 5×5 m arena; rgb + depth 64×64, objectgoal, gps, compass',
  maxEpisodeSteps: 200,
  create: (o) =>
    new ObjectNav('ObjectNav-Easy-v0', 'arena', o, {
      sensors: ['rgb', 'depth', 'objectgoal', 'gps', 'compass'],
      categories: ['chair', 'plant', 'ball'],
    }),
});
registerEnv('Explore-v0', {
  description: 'cover as much reachable floor as possible in a rooms apartment; depth 64×64, gps, compass',
  maxEpisodeSteps: 500,
  create: (o) => new Explore('Explore-v0', 'rooms', o, { sensors: ['depth', 'gps', 'compass'] }),
});
registerEnv('Explore-Easy-v0', {
  description: 'cover the floor of a 5×5 m arena; depth 64×64, gps, compass',
  maxEpisodeSteps: 200,
  create: (o) => new Explore('Explore-Easy-v0', 'arena', o, { sensors: ['depth', 'gps', 'compass'] }),
});
registerEnv('TMaze-v0', {
  description: 'memory: a colour cue at the start says which arm of a T-maze holds the goal; rgb 32×32, compass',
  maxEpisodeSteps: 100,
  create: (o) => new TMaze('TMaze-v0', o, { sensors: ['rgb', 'compass'], cameraSize: 32, successReward: 1, episodesPerScene: 1 }),
});
