/**
 * Procedural scene generators: one seed, one scene. `generateScene(name, options)` validates the
 * options, builds the scene and returns a SceneSpec that passes `parseSceneSpec`, whose start is
 * free and whose goals are reachable for the default robot (radius 0.18 m).
 *
 * | name  | what                                                       | default size |
 * |-------|------------------------------------------------------------|--------------|
 * | rooms | apartment: recursive room splits with doorways, furniture  | 10 × 10 m    |
 * | maze  | recursive-backtracker grid maze                            | 7 × 7 cells of 1 m |
 * | arena | open square with scattered obstacles (Easy variants)       | 5 × 5 m      |
 * | tmaze | T-maze memory task with a colour cue near the start        | 4 m stem, 2 m arms |
 *
 * Options common to all: `seed` (integer), `randomize` (domain randomisation switches),
 * `objects` (ObjectNav placement: goals become the reachable instances of the asked categories),
 * `dynamic` (number of moving obstacles), `robotRadius` (m, the robot the start and goals must
 * suit). Each generator adds its own size options.
 */
import { UsageError } from '../../core/errors.js';
import type { SceneSpec } from '../SceneSpec.js';
import { generateArena } from './arena.js';
import { generateMaze } from './maze.js';
import { generateRooms } from './rooms.js';
import { generateTMaze } from './tmaze.js';
import type { ObjectPlacementOptions } from './SceneBuilder.js';
import type { DomainRandomization } from './style.js';

export type { ObjectPlacementOptions } from './SceneBuilder.js';
export { DEFAULT_RANDOMIZATION, type DomainRandomization } from './style.js';
export { TMAZE_CUE_COLORS } from './tmaze.js';

/** Every scene generator, by name. */
export const GENERATORS = {
  rooms: generateRooms,
  maze: generateMaze,
  arena: generateArena,
  tmaze: generateTMaze,
} as const;

/** The name of a scene generator. */
export type GeneratorName = keyof typeof GENERATORS;

/** Every generator name: rooms, maze, arena, tmaze. */
export const GENERATOR_NAMES = Object.keys(GENERATORS) as GeneratorName[];

/** What every generator takes: the seed, randomisation, object placement, moving obstacles, robot radius (m), and its own sizes. */
export interface GenerateOptions {
  /** Scene seed (integer). */
  seed: number;
  /** Domain-randomisation switches, all off by default. */
  randomize?: Partial<DomainRandomization>;
  /** ObjectNav object placement. */
  objects?: ObjectPlacementOptions;
  /** Moving obstacles to add. @default 0 */
  dynamic?: number;
  /** Radius (m) of the robot the start and goals must suit. @default 0.18 */
  robotRadius?: number;
  /** Per-generator size options (see each generator's schema). */
  [k: string]: unknown;
}

/**
 * A scene from the generator `name` and a seed; the same name, seed and options always give the same scene.
 * @throws UsageError for an unknown generator or a bad option.
 */
export function generateScene(name: GeneratorName, options: GenerateOptions): SceneSpec {
  const generate = (GENERATORS as Record<string, (o: unknown) => SceneSpec>)[name];
  if (generate === undefined) throw new UsageError(`unknown scene generator "${String(name)}"; known: ${GENERATOR_NAMES.join(', ')}`);
  return generate(options);
}
