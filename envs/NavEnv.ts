/**
 * NavEnv: the base of every robonav task. It runs the task loop: it owns the scene (generated from
 * a seed, or given by an episode of a dataset), the cannon-es physics world, the occupancy grid, the
 * geodesic distance field of the episode's goal set, the episode metrics and the Env bookkeeping,
 * and reads its sensors (SensorSuite.ts) after every reset and step; its options are validated by
 * NavOptions.ts. A task (PointNav, ObjectNav, Explore, TMaze) adds how episodes are drawn, its goal
 * observation, and its reward and success rule.
 *
 * Sensors (observation keys, in this order when requested):
 *
 * | key        | space                               | meaning                                                   | unit |
 * |------------|-------------------------------------|-----------------------------------------------------------|------|
 * | rgb        | Box(0, 255, [H, W, 3], uint8)       | colour camera, row 0 = top                                | sRGB |
 * | depth      | Box(0, far, [H, W, 1], float32)     | depth along the optical axis                              | m    |
 * | semantic   | Box(0, 255, [H, W, 1], uint8)       | category id per pixel (`CATEGORIES`)                      | id   |
 * | pointgoal  | Box([0, −π], [range, π], [2])       | Euclidean distance and bearing to the goal (+ = left)     | m, rad |
 * | objectgoal | Box(0, 1, [nCategories])            | one-hot goal category (`OBJECT_CATEGORIES`)               | —    |
 * | goalview   | Box(0, 1, [8, 8, 1])                | fraction of each cell of an 8×8 grid over the image showing the goal category (ObjectNav) | — |
 * | gps        | Box(−range, range, [2])             | displacement from the start in the start frame (fwd, left)| m    |
 * | compass    | Box(−π, π, [1])                     | heading relative to the start heading (+ = left)          | rad  |
 * | collision  | Box(0, 1, [1])                      | 1 when the last step touched something                    | —    |
 * | lidar      | Box(0, maxRange, [beams])           | planar ranges, beam 0 leftmost                            | m    |
 *
 * With `pointgoalFormat: 'cosSin'`, pointgoal is Box([0, −1, −1], [range, 1, 1], [3]): the distance and
 * the cosine and sine of the bearing, continuous where the bearing jumps from +π to −π.
 *
 * Actions: Discrete(4) = STOP, MOVE_FORWARD (0.25 m), TURN_LEFT (10°), TURN_RIGHT (10°); with
 * `continuous: true`, Box([−maxLinear, −maxAngular], [maxLinear, maxAngular]) = [m/s, rad/s] held
 * for one control interval (continuous control has no STOP: tasks end on success instead).
 *
 * Seeding: `reset({ seed })` reseeds the env's stream (scene choice, episode sampling, actuation
 * and sensor noise); the first reset without a seed draws one from the OS, as Gymnasium does.
 * `reset({ options: { episode } })` runs a fixed dataset episode (see episodes.ts).
 *
 * Info: reset gives `sceneSeed` and `geodesicDistance`; a step gives `distanceToGoal` (geodesic, m)
 * and `collided`, and the episode metrics when it ends. Both give, in a task with a goal,
 * `pathBearing` (rad, + = left) where the goal is reachable: the bearing of the shortest path's
 * next straight leg from the robot's heading (`GeodesicField.descentDirection`), and `atGoal`
 * (1 where STOP would succeed, else 0) — privileged knowledge the policy never observes, the
 * targets of the `pathBearing` and `atGoal` auxiliary losses (agents/common/auxiliary.ts).
 */
import type { Action, Env, Info, ResetArgs, ResetResult, StepResult } from '../src/core/Env.js';
import { EnvStateError, SpaceError, UsageError } from '../src/core/errors.js';
import { Rng } from '../src/core/Rng.js';
import { Box, type Dict, Discrete } from '../src/core/spaces.js';
import { RenderScene } from '../src/render/RenderScene.js';
import { GeodesicField } from '../src/sim/GeodesicField.js';
import { generateScene, type GeneratorName } from '../src/sim/generators/index.js';
import { OccupancyGrid } from '../src/sim/OccupancyGrid.js';
import { DEFAULT_ROBOT, DiscreteAction, PhysicsWorld, type RobotConfig, wrapAngle } from '../src/sim/PhysicsWorld.js';
import type { SceneSpec } from '../src/sim/SceneSpec.js';
import { type EpisodeSpec, parseEpisode, SCENE_SPLITS, type Split } from './episodes.js';
import { EpisodeMetrics, type NavMetrics, pathEfficiency } from './metrics.js';
import { type NavConfig, navOptionsSchema, parseOptions } from './NavOptions.js';
import { SensorSuite } from './SensorSuite.js';

/** A task's fixed choices, given by the subclass. */
export interface TaskDefinition {
  /** The registry id, for error messages. */
  id: string;
  generator: GeneratorName;
  /** Generator options the task always sets (e.g. ObjectNav's objects), merged under `scene`. */
  sceneOptions?: Record<string, unknown>;
  /** Does STOP end the episode? (PointNav, ObjectNav: yes; Explore, TMaze: STOP stands still.) */
  stopEnds: boolean;
  /** Goal-observation spaces the task adds (objectgoal). */
  extraSpaces?: Record<string, Box>;
}

/** The outcome of a step as the task sees it. */
export interface TaskStep {
  reward: number;
  terminated: boolean;
  success: boolean;
}

/** Everything a loaded scene needs, cached while episodes stay in it. */
interface LoadedScene {
  seed: number;
  spec: SceneSpec;
  world: PhysicsWorld;
  grid: OccupancyGrid;
  /** Cells of the largest connected free region (where episodes start and end). */
  reachable: Int32Array;
  renderScene: RenderScene | null;
}

/**
 * The base of every robonav task: scene, physics, sensors and the episode loop (Gymnasium
 * semantics). A task subclass supplies its `TaskDefinition` (id, scene generator, goal) and
 * `TaskStep` (reward, termination, metrics); see PointNav.ts for the smallest one.
 */
export abstract class NavEnv implements Env<Record<string, Float32Array | Uint8Array>, Action> {
  readonly observationSpace: Dict;
  readonly actionSpace: Box | Discrete;
  readonly config: NavConfig;
  readonly robot: RobotConfig;
  readonly task: TaskDefinition;
  /** Camera, lidar and the other sensors; their buffers are the observation reset and step return. */
  readonly sensors: SensorSuite;

  // ---- state visible to privileged users (oracle, viewer, recorder) ----
  /** The current scene. */
  scene!: SceneSpec;
  world!: PhysicsWorld;
  grid!: OccupancyGrid;
  /** Distance field of the current episode's goal set (null before the first reset). */
  geodesic: GeodesicField | null = null;
  /** Ray-casting scene for the camera and lidar (null when no camera or lidar is configured). */
  renderScene: RenderScene | null = null;
  /** The running episode. */
  episode!: EpisodeSpec;
  /** Geodesic distance (m) to the goal set after the last step. */
  distanceToGoal = Infinity;

  protected readonly rng = new Rng(0);
  protected readonly noiseRng = new Rng(0);
  protected readonly metrics = new EpisodeMetrics();
  private loaded: LoadedScene | null = null;
  private lastField: { grid: OccupancyGrid; goals: Array<[number, number]>; field: GeodesicField } | null = null;
  private episodesInScene = 0;
  private seeded = false;
  private started = false;
  private done = false;
  private t = 0;
  private collidedLast = false;

  /** `options`: NavEnv's options only (a task takes its own out first, see `splitOptions`). */
  constructor(task: TaskDefinition, options: Record<string, unknown>) {
    this.task = task;
    this.config = parseOptions(task.id, navOptionsSchema, options);
    const c = this.config;
    this.robot = { ...DEFAULT_ROBOT, ...c.robot };
    this.sensors = new SensorSuite(task.id, c, task.extraSpaces);
    this.observationSpace = this.sensors.observationSpace;
    this.actionSpace = c.continuous
      ? new Box([-this.robot.maxLinear, -this.robot.maxAngular], [this.robot.maxLinear, this.robot.maxAngular], [2])
      : new Discrete(4);
  }

  // ---- what a task defines ----------------------------------------------------------------

  /**
   * Draw an episode in the loaded scene (`this.scene`, `this.grid`, `this.reachableCells()`), or
   * null when this scene has none that passes the task's filters.
   */
  protected abstract sampleInScene(sceneSeed: number, rng: Rng): EpisodeSpec | null;
  /**
   * Goal points [x, z] (m) of an episode in the loaded scene, for the geodesic field. By default the
   * episode's one `goal` point (point-goal tasks); tasks with goal sets override it.
   */
  protected goalPoints(episode: EpisodeSpec): Array<[number, number]> {
    if (!episode.goal) throw new Error(`${this.task.id}: episode of scene ${episode.sceneSeed} has no goal point`);
    return [episode.goal];
  }
  /** Called at reset once the robot is placed and the field computed: task state and goal observations (none by default). */
  protected beginTask(_episode: EpisodeSpec): void {}
  /** Reward, termination and success of the step just taken (`stopped`: the action was STOP). */
  protected abstract evaluateStep(stopped: boolean, previousDistance: number): TaskStep;
  /** The goal set [x, z] (m) of an episode in the loaded scene (planners such as the oracle use it). */
  goalPointsOf(episode: EpisodeSpec): Array<[number, number]> {
    return this.goalPoints(episode);
  }
  /** Would STOP succeed with the robot at (x, z) (m)? (Planners ask; tasks without STOP answer false.) */
  abstract successAt(x: number, z: number): boolean;

  /** Would STOP succeed now? */
  atGoal(): boolean {
    return this.successAt(this.world.pose.x, this.world.pose.z);
  }
  /** The reward of a success now: `successReward`, times the path's efficiency with `splReward`. */
  protected successBonus(): number {
    const { successReward, splReward } = this.config;
    return splReward ? successReward * pathEfficiency(this.metrics.shortest, this.metrics.pathLength) : successReward;
  }
  /** Task metrics added to the final info (beside NavMetrics). */
  protected taskMetrics(): Record<string, number> {
    return {};
  }

  // ---- Env --------------------------------------------------------------------------------

  reset(args: ResetArgs = {}): ResetResult<Record<string, Float32Array | Uint8Array>> {
    // Check the arguments before touching any state.
    if (args.seed !== undefined && !Number.isInteger(args.seed))
      throw new UsageError(`${this.task.id}.reset: seed must be an integer, got ${args.seed}`);
    const options = args.options ?? {};
    for (const key of Object.keys(options)) {
      if (key !== 'episode') throw new UsageError(`${this.task.id}.reset: unknown option "${key}" (known: episode)`);
    }
    const fixed = options.episode === undefined ? null : parseEpisode(options.episode, `${this.task.id}.reset options.episode`);
    if (args.seed !== undefined) this.reseed(args.seed);
    else if (!this.seeded) this.reseed(entropySeed());
    const episode = fixed ?? this.sampleEpisode();
    this.startEpisode(episode);
    const info: Info = { sceneSeed: episode.sceneSeed, geodesicDistance: episode.geodesicDistance };
    this.addPrivileged(info);
    return { obs: this.sensors.obs, info };
  }

  step(action: Action): StepResult<Record<string, Float32Array | Uint8Array>> {
    const why = this.actionSpace.explain(action);
    if (why !== null)
      throw new SpaceError(
        `${this.task.id}: action ${describeValue(action)} is not in the action space ${this.actionSpace.toString()}: ${why}`,
      );
    if (!this.started) throw new EnvStateError(`${this.task.id}: step() before reset()`);
    if (this.done) throw new EnvStateError(`${this.task.id}: step() after the episode ended; call reset() first`);

    // STOP ends the episode where it means "I am there"; elsewhere it stands still while the world moves on.
    const stopped = action === DiscreteAction.STOP && this.task.stopEnds;
    if (typeof action === 'number') {
      if (!stopped) this.world.stepDiscrete(action, this.noiseRng);
    } else {
      this.world.stepVelocity(action[0]!, action[1]!, this.noiseRng);
    }
    this.t++;
    const pose = this.world.pose;
    this.collidedLast = !stopped && this.world.collided;
    this.metrics.record(pose.x, pose.z, this.collidedLast);
    const previous = this.distanceToGoal;
    this.distanceToGoal = this.geodesic ? this.geodesic.distance(pose.x, pose.z) : 0;
    const outcome = this.evaluateStep(stopped, previous);
    const reward = outcome.reward - (this.collidedLast ? this.config.collisionPenalty : 0);
    const truncated = !outcome.terminated && this.t >= this.config.maxEpisodeSteps;
    this.done = outcome.terminated || truncated;
    this.observe();
    const info: Info = { distanceToGoal: this.distanceToGoal, collided: this.collidedLast };
    this.addPrivileged(info);
    if (this.done) Object.assign(info, this.finalMetrics(outcome.success), this.taskMetrics());
    return { obs: this.sensors.obs, reward, terminated: outcome.terminated, truncated, info };
  }

  close(): void {
    this.loaded = null;
    this.started = false;
  }

  // ---- episodes and scenes ----------------------------------------------------------------

  /**
   * Draw the next training episode: a scene seed from this env's split (kept for
   * `episodesPerScene` episodes), then an episode in it; scenes without a valid episode are skipped.
   */
  sampleEpisode(): EpisodeSpec {
    const [first, count] = SCENE_SPLITS[this.config.split as Split];
    for (let attempt = 0; attempt < 50; attempt++) {
      const keep = this.loaded !== null && this.episodesInScene < this.config.episodesPerScene && attempt === 0;
      const seed = keep ? this.loaded!.seed : first + this.rng.int(count);
      if (!keep) this.episodesInScene = 0;
      this.loadScene(seed);
      const episode = this.sampleInScene(seed, this.rng);
      if (episode) return episode;
    }
    throw new Error(
      `${this.task.id}: no valid episode in 50 scenes of the ${this.config.split} split; the task's distance filters may be too strict for these scene options`,
    );
  }

  /** Draw an episode in the scene of `sceneSeed` (used by the episode-dataset writer); null if it has none. */
  sampleEpisodeInScene(sceneSeed: number, rng: Rng): EpisodeSpec | null {
    this.loadScene(sceneSeed);
    return this.sampleInScene(sceneSeed, rng);
  }

  /** Make the scene of `seed` current (generated once and reused while episodes stay in it). */
  protected loadScene(seed: number): void {
    if (this.loaded?.seed === seed) return;
    const spec = generateScene(this.task.generator, { ...this.task.sceneOptions, ...this.config.scene, seed });
    const world = new PhysicsWorld(spec, this.robot);
    const grid = OccupancyGrid.fromScene(spec, { inflate: this.robot.radius, robotHeight: this.robot.height });
    const { labels, sizes } = grid.components();
    let best = 0;
    for (let k = 1; k < sizes.length; k++) if (sizes[k]! > sizes[best]!) best = k;
    const reachable = new Int32Array(sizes[best] ?? 0);
    let n = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] === best) reachable[n++] = i;
    const renderScene = this.sensors.castsRays ? RenderScene.fromSpec(spec) : null;
    this.loaded = { seed, spec, world, grid, reachable, renderScene };
    this.scene = spec;
    this.world = world;
    this.grid = grid;
    this.renderScene = renderScene;
  }

  /** Flat grid indices of the largest connected free region of the loaded scene. */
  protected reachableCells(): Int32Array {
    return this.loaded!.reachable;
  }

  private startEpisode(episode: EpisodeSpec): void {
    // Not started until everything below succeeds: a failed reset leaves no episode to step.
    this.started = false;
    this.loadScene(episode.sceneSeed);
    this.episodesInScene++;
    this.episode = episode;
    const goals = this.goalPoints(episode);
    // A task without goals (Explore) has no field; its distance to goal reads 0.
    this.geodesic = goals.length > 0 ? this.fieldFor(goals) : null;
    this.world.reset({ position: [...episode.start.position], yaw: episode.start.yaw }, this.noiseRng);
    const pose = this.world.pose;
    this.distanceToGoal = this.geodesic ? this.geodesic.distance(pose.x, pose.z) : 0;
    this.metrics.begin(pose.x, pose.z, this.distanceToGoal);
    this.t = 0;
    this.collidedLast = false;
    this.done = false;
    this.beginTask(episode);
    this.observe();
    // A camera that sees nothing is a configuration error: the episode does not start.
    this.sensors.checkCameraSeesSomething(this.task.id, this.renderScene, this.world.pose);
    this.started = true;
  }

  /**
   * The geodesic field of a goal set in the loaded scene. The last one is kept: an episode drawn by
   * `sampleInScene` (which computed the field to check distances) starts without computing it again.
   */
  protected fieldFor(goals: Array<[number, number]>): GeodesicField {
    const last = this.lastField;
    if (last && last.grid === this.grid && sameGoals(last.goals, goals)) return last.field;
    const field = GeodesicField.compute(this.grid, goals);
    this.lastField = { grid: this.grid, goals: goals.map(([x, z]) => [x, z]), field };
    return field;
  }

  /**
   * `info.atGoal` and `info.pathBearing` at the current pose, both left out in a task without goals and
   * the bearing where no path reaches a goal (infos travel as JSON, which has no NaN).
   */
  private addPrivileged(info: Info): void {
    if (this.geodesic === null) return;
    const pose = this.world.pose;
    info.atGoal = this.atGoal() ? 1 : 0;
    const heading = this.geodesic.descentDirection(pose.x, pose.z);
    if (Number.isFinite(heading)) info.pathBearing = wrapAngle(heading - pose.yaw);
  }

  private reseed(seed: number): void {
    this.rng.reseed(seed);
    // A separate stream for noise, so turning actuation/sensor noise on never changes which episodes are drawn.
    this.noiseRng.reseed(seed ^ 0x5bd1e995);
    this.seeded = true;
    // The next episode draws its scene seed from the new stream; a loaded scene of the same seed is
    // reused (a scene is a pure function of its seed, and world.reset restores the robot and bodies).
    this.episodesInScene = Infinity;
  }

  private finalMetrics(success: boolean): NavMetrics {
    const metrics = this.metrics.finish(success, this.distanceToGoal);
    // Without a goal there is no shortest path to be efficient against.
    if (this.geodesic === null) metrics.spl = metrics.softSpl = 0;
    return metrics;
  }

  // ---- observations -----------------------------------------------------------------------

  /** Step count of the running episode. */
  get steps(): number {
    return this.t;
  }

  private observe(): void {
    // Asked for only when a sensor reports it: ObjectNav looks for the nearest instance.
    const goal = this.sensors.readsPointGoal ? this.pointGoal() : null;
    this.sensors.observe(this.renderScene, this.world, this.episode.start, goal, this.collidedLast, this.noiseRng);
  }

  /** The point the pointgoal sensor reports: the episode's goal point, else its first goal point (ObjectNav: the nearest). */
  protected pointGoal(): [number, number] {
    return this.episode.goal ?? this.goalPoints(this.episode)[0]!;
  }
}

function sameGoals(a: Array<[number, number]>, b: Array<[number, number]>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

function describeValue(x: unknown): string {
  if (ArrayBuffer.isView(x) || Array.isArray(x)) return `[${Array.from(x as ArrayLike<unknown>, String).join(', ')}]`;
  if (typeof x === 'string') return JSON.stringify(x);
  return String(x);
}

/** Helpers for tasks: grid cell → world point (m). */
export function cellCenter(grid: OccupancyGrid, cell: number): [number, number] {
  const r = (cell / grid.cols) | 0;
  return [grid.centerX(cell - r * grid.cols), grid.centerZ(r)];
}

/** A seed in [0, 2^31) from the platform's entropy source (Web Crypto: Node 20 and browsers alike). */
function entropySeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
}
