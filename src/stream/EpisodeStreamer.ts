/**
 * EpisodeStreamer: watches an Env step by step and turns what happens into protocol messages
 * (scene, step, camera frames, episodeEnd) for sinks — the viewer server (live training, play mode)
 * and the recorder (`--record N`).
 *
 * It reads the env's privileged state the way a NavEnv exposes it (`scene`, `world.pose`,
 * `world.dynamicPoses`, `world.collided`, `geodesic`), so it needs no help from the task code.
 * Cost when nobody listens: one pose copy into a preallocated trail per step, nothing else, so an
 * attached but unwatched viewer does not slow training.
 *
 * Two ways in: `wrap(env)` returns an Env that forwards everything and reports to the streamer;
 * or call `onReset` / `onStep` yourself (e.g. from a vector env that knows env 0's results).
 * An env in a worker thread runs its streamer there; `RelayedEpisodes` is its main-thread end.
 */
import type { Action, Env, Info, Observation, ResetArgs, ResetResult, StepResult } from '../core/Env.js';
import { UsageError } from '../core/errors.js';
import { Box, Dict, type Space } from '../core/spaces.js';
import type { SceneSpec } from '../sim/SceneSpec.js';
import {
  DISCRETE_ACTION_NAMES,
  FRAME_KINDS,
  type EpisodeEndMessage,
  type FrameHeader,
  type FrameKind,
  type PoseXZ,
  type SceneMessage,
  type StepMessage,
} from './protocol.js';
import { interceptResetStep } from './interceptResetStep.js';

/** What the streamer reads from an env; NavEnv (envs/) has all of it. */
export interface ViewableEnv {
  readonly scene: SceneSpec;
  readonly world: {
    readonly pose: PoseXZ;
    readonly dynamicPoses: Float32Array;
    readonly collided?: boolean;
  };
  readonly geodesic?: {
    distance(x: number, z: number): number;
    shortestPath(x: number, z: number): Array<[number, number]>;
  } | null;
  /** The running episode (NavEnv): a goal point, or an ObjectNav goal category name. */
  readonly episode?: { goal?: [number, number]; category?: string } | null;
}

/** A consumer of episode messages. Sinks say what they want so the streamer builds only that. */
export interface EpisodeSink {
  /** Whether anyone wants episode messages now (no listener → the streamer builds nothing). */
  wantsEpisodes(): boolean;
  /** Camera channels wanted for the current step ([] = none). */
  wantsFrames(): readonly FrameKind[];
  scene(message: SceneMessage): void;
  step(message: StepMessage): void;
  frame(header: FrameHeader, data: Uint8Array | Float32Array): void;
  episodeEnd(message: EpisodeEndMessage): void;
  /**
   * The current scene with its trail, answering a `currentScene()` that returned null while the
   * episode was running elsewhere (a relayed source): for the viewers that were waiting for it.
   */
  resync?(message: SceneMessage): void;
}

/**
 * What a viewer session streams from: an EpisodeStreamer in this thread, or `RelayedEpisodes`
 * for an env stepping in a worker thread.
 */
export interface EpisodeSource {
  /** Camera channels the env's observations carry. */
  readonly frameKinds: FrameKind[];
  /** Names of the discrete actions ([] for continuous control). */
  readonly actionNames: string[];
  /**
   * The current episode's scene with the trail so far (for a viewer joining late), or null: before
   * the first episode, or when the episode runs in another thread (the sinks' `resync` gets it).
   */
  currentScene(): SceneMessage | null;
  addSink(sink: EpisodeSink): void;
  removeSink(sink: EpisodeSink): void;
}

interface FrameSource {
  width: number;
  height: number;
  channels: number;
  dtype: 'uint8' | 'float32';
}

/** Camera channels of an observation space: Dict keys rgb/depth/semantic that are [H, W, C] Boxes. */
export function frameSourcesOf(observationSpace: Space): Map<FrameKind, FrameSource> {
  const sources = new Map<FrameKind, FrameSource>();
  if (!(observationSpace instanceof Dict)) return sources;
  for (const kind of FRAME_KINDS) {
    const space = (observationSpace.spaces as Record<string, Space>)[kind];
    if (space instanceof Box && space.shape.length === 3) {
      const [height, width, channels] = space.shape as [number, number, number];
      sources.set(kind, { width, height, channels, dtype: space.dtype });
    }
  }
  return sources;
}

/** The viewer's action names for an action space: the navigation actions if discrete, none if continuous. */
export function actionNamesOf(actionSpace: Space): string[] {
  return actionSpace.type === 'discrete' ? [...DISCRETE_ACTION_NAMES] : [];
}

/** Info keys reported as step metrics when the env puts numbers there (NavEnv's final-info names). */
const METRIC_KEYS = ['distanceToGoal', 'success', 'spl', 'softSpl', 'pathLength', 'collisions'] as const;

/** Trail capacity (positions): longer episodes keep streaming but late joiners see the first 10,000. */
const TRAIL_CAPACITY = 10_000;

/**
 * Whether an env exposes a scene and a world. Only their presence is checked: a NavEnv declares
 * them but fills them in at its first `reset`, and the streamer reads them only after resets.
 */
export function isViewableEnv(env: unknown): env is ViewableEnv {
  return typeof env === 'object' && env !== null && 'scene' in env && 'world' in env;
}

/** What the streamer says about the env it watches. */
export interface EpisodeStreamerOptions {
  /** Env id or task name shown by the viewer. */
  task?: string;
}

/** Watches one env and turns its episodes into protocol messages for its sinks (see the file header). */
export class EpisodeStreamer implements EpisodeSource {
  private readonly sinks: EpisodeSink[] = [];
  private readonly frameSources: Map<FrameKind, FrameSource>;
  private readonly trail = new Float32Array(TRAIL_CAPACITY * 2);
  private trailLength = 0;
  private readonly task: string | undefined;
  readonly actionNames: string[];
  private episode = -1;
  private stepCount = 0;
  private episodeReturn = 0;
  private collisions = 0;
  private pathLength = 0;
  private lastX = 0;
  private lastZ = 0;
  private readonly start: PoseXZ = { x: 0, z: 0, yaw: 0 };
  private shortestPath: Array<[number, number]> = [];
  private sceneMessage: SceneMessage | null = null;
  private ended = false;

  constructor(
    readonly env: ViewableEnv,
    observationSpace: Space,
    actionSpace: Space,
    options: EpisodeStreamerOptions = {},
  ) {
    this.task = options.task;
    this.frameSources = frameSourcesOf(observationSpace);
    this.actionNames = actionNamesOf(actionSpace);
  }

  /** Camera channels this env's observations carry. */
  get frameKinds(): FrameKind[] {
    return [...this.frameSources.keys()];
  }

  /** The scene message of the current episode with the trail so far (for a viewer joining late). */
  currentScene(): SceneMessage | null {
    if (this.episode < 0) return null;
    this.ensureScene();
    const { x, z, yaw } = this.env.world.pose;
    return { ...this.sceneMessage!, trail: Array.from(this.trail.subarray(0, this.trailLength)), pose: { x, z, yaw } };
  }

  addSink(sink: EpisodeSink): void {
    this.sinks.push(sink);
  }

  removeSink(sink: EpisodeSink): void {
    const i = this.sinks.indexOf(sink);
    if (i >= 0) this.sinks.splice(i, 1);
  }

  /** Call after `env.reset` with its result. */
  onReset(obs: Observation, _info: Info): void {
    this.episode += 1;
    this.stepCount = 0;
    this.episodeReturn = 0;
    this.collisions = 0;
    this.pathLength = 0;
    this.ended = false;
    const pose = this.env.world.pose;
    this.lastX = pose.x;
    this.lastZ = pose.z;
    Object.assign(this.start, { x: pose.x, z: pose.z, yaw: pose.yaw });
    this.trail[0] = pose.x;
    this.trail[1] = pose.z;
    this.trailLength = 2;
    this.sceneMessage = null;
    this.shortestPath = [];
    const listening = this.sinks.filter((s) => s.wantsEpisodes());
    if (listening.length === 0) return;
    this.ensureScene();
    for (const sink of listening) sink.scene(this.sceneMessage!);
    this.emitFrames(obs, listening);
  }

  /** Call after `env.step(action)` with its result. */
  onStep(action: Action, result: StepResult): void {
    const pose = this.env.world.pose;
    this.stepCount += 1;
    this.episodeReturn += result.reward;
    const collided = this.env.world.collided === true;
    if (collided) this.collisions += 1;
    this.pathLength += Math.hypot(pose.x - this.lastX, pose.z - this.lastZ);
    this.lastX = pose.x;
    this.lastZ = pose.z;
    if (this.trailLength < this.trail.length) {
      this.trail[this.trailLength] = pose.x;
      this.trail[this.trailLength + 1] = pose.z;
      this.trailLength += 2;
    }
    const done = result.terminated || result.truncated;
    let listening: EpisodeSink[] | null = null;
    for (const sink of this.sinks) {
      if (!sink.wantsEpisodes()) continue;
      listening ??= [];
      listening.push(sink);
    }
    if (listening === null) {
      if (done) this.ended = true;
      return;
    }
    const message: StepMessage = {
      type: 'step',
      episode: this.episode,
      step: this.stepCount,
      pose: { x: pose.x, z: pose.z, yaw: pose.yaw },
      dynamic: Array.from(this.env.world.dynamicPoses),
      action: typeof action === 'number' ? action : Array.from(action),
      reward: result.reward,
      return: this.episodeReturn,
      collided,
      metrics: this.metrics(result.info, pose),
    };
    for (const sink of listening) sink.step(message);
    this.emitFrames(result.obs, listening);
    if (done && !this.ended) {
      this.ended = true;
      const end: EpisodeEndMessage = {
        type: 'episodeEnd',
        episode: this.episode,
        steps: this.stepCount,
        return: this.episodeReturn,
        terminated: result.terminated,
        truncated: result.truncated,
        metrics: { ...message.metrics, steps: this.stepCount },
      };
      for (const sink of listening) sink.episodeEnd(end);
    }
  }

  /**
   * The env itself, seen through a Proxy whose `reset` and `step` also report to this streamer.
   * Everything else (NavEnv's `scene`, `world`, `geodesic`, methods, `instanceof`) reaches the env
   * unchanged, so privileged users such as the oracle policy work on the wrapped env as on the env.
   */
  wrap<E extends Env>(env: E): E {
    const reset = (args?: ResetArgs): ResetResult => {
      const result = env.reset(args);
      this.onReset(result.obs, result.info);
      return result;
    };
    const step = (action: Action): StepResult => {
      const result = env.step(action);
      this.onStep(action, result);
      return result;
    };
    return interceptResetStep(env, reset, step);
  }

  private ensureScene(): void {
    if (this.sceneMessage !== null) return;
    const spec = this.env.scene;
    if (this.shortestPath.length === 0 && this.env.geodesic) {
      const path = this.env.geodesic.shortestPath(this.start.x, this.start.z);
      this.shortestPath = path.map(([x, z]) => [x, z]);
    }
    // The episode's goals: its goal point, else the scene's goals of its category, else all of the scene's goals.
    const episode = this.env.episode ?? null;
    const category = episode?.category;
    const categoryId = category === undefined ? -1 : spec.categories.indexOf(category);
    const goals: Array<[number, number]> = episode?.goal
      ? [[episode.goal[0], episode.goal[1]]]
      : spec.goals.filter((g) => categoryId < 0 || g.category === categoryId).map((g) => [g.position[0], g.position[1]]);
    this.sceneMessage = {
      type: 'scene',
      episode: this.episode,
      spec,
      ...(this.task !== undefined ? { task: this.task } : {}),
      start: { ...this.start },
      goals,
      ...(category !== undefined ? { goalLabel: category } : {}),
      shortestPath: this.shortestPath,
    };
    // The cached message never carries a trail; currentScene() adds the trail of the moment.
  }

  private metrics(info: Info, pose: PoseXZ): Record<string, number> {
    const out: Record<string, number> = { pathLength: this.pathLength, collisions: this.collisions };
    for (const key of METRIC_KEYS) {
      const v = info[key];
      if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    }
    if (out.distanceToGoal === undefined && this.env.geodesic) {
      const d = this.env.geodesic.distance(pose.x, pose.z);
      if (Number.isFinite(d)) out.distanceToGoal = d;
    }
    return out;
  }

  private emitFrames(obs: Observation, sinks: EpisodeSink[]): void {
    if (this.frameSources.size === 0 || typeof obs !== 'object' || ArrayBuffer.isView(obs)) return;
    const dict = obs as Record<string, unknown>;
    for (const sink of sinks) {
      for (const kind of sink.wantsFrames()) {
        const source = this.frameSources.get(kind);
        const data = dict[kind];
        if (source === undefined || !(data instanceof Uint8Array || data instanceof Float32Array)) continue;
        sink.frame({ kind, ...source, episode: Math.max(0, this.episode), step: this.stepCount }, data);
      }
    }
  }
}

/** Make a streamer for an env, or throw a UsageError saying why it cannot be viewed. */
export function streamerFor(env: Env, options: EpisodeStreamerOptions = {}): EpisodeStreamer {
  if (!isViewableEnv(env)) {
    throw new UsageError(`${options.task ?? 'this env'} cannot be viewed: it exposes no scene/world (only navigation envs from envs/ can)`);
  }
  return new EpisodeStreamer(env, env.observationSpace, env.actionSpace, options);
}
