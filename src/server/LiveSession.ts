/**
 * LiveSession: shows an env as it runs (training with `--view`, or play mode) to every subscribed
 * viewer. It is the EpisodeSink of an EpisodeStreamer and the ViewerSession of a ViewerServer.
 *
 * Nothing is built while nobody watches. Episode messages are collected and sent as one `batch`
 * every `batchInterval` ms (a socket write per step would cost more than a fast env step); the
 * check runs inside the stepping code too, since a training loop may not yield to timers for a
 * while. A backlogged subscriber is skipped (and resynchronised with the scene and trail once it
 * drains); camera frames are limited to `frameRate` per second because training steps far faster
 * than a person can look.
 *
 * The source is an EpisodeStreamer in this thread or `RelayedEpisodes` of an env in a worker; the
 * latter cannot say the current scene at once, so a joining viewer waits for the source's `resync`.
 *
 * With a `LiveSaliency` (`setSaliency`), clients that ask get a saliency map with each camera frame
 * they are sent: the observation is rebuilt from the step's frames, pose, start and goals, and the
 * map computed once per method for all clients that want it. While nobody asks, nothing is computed.
 */
import type { EpisodeSink, EpisodeSource } from '../stream/EpisodeStreamer.js';
import {
  encodeFrame,
  encodeServerMessage,
  type EpisodeEndMessage,
  type Frame,
  type FrameHeader,
  type FrameKind,
  type HelloMessage,
  type MetricPoint,
  type PoseXZ,
  type SaliencyMethodName,
  type SceneMessage,
  type StepMessage,
  type StreamName,
  type ViewerMode,
} from '../stream/protocol.js';
import type { LiveSaliency } from './SaliencyMaps.js';
import type { ViewerClient, ViewerSession } from './ViewerServer.js';

/** How a live session shows its env: mode, source name, frame rate and metrics history kept. */
export interface LiveSessionOptions {
  mode: Extract<ViewerMode, 'live' | 'play'>;
  /** Run name or env id shown in the viewer. */
  source: string;
  /** Camera frames per second at most, per channel: a person cannot follow more of a fast loop. @default 15 */
  frameRate?: number;
  /** Training-curve points kept for viewers that connect later. @default 10000 */
  metricsHistory?: number;
  /** Episode messages are sent together at most this often (ms); 0 sends each at once. @default 50 */
  batchInterval?: number;
  /**
   * Saliency maps per second at most: each costs the trainer tens of milliseconds of its own thread,
   * so maps come with fewer frames than the camera's. @default 4
   */
  saliencyRate?: number;
}

/** Shows an env as it runs to every subscribed viewer: the sink of an episode stream and the session of a ViewerServer. */
export class LiveSession implements ViewerSession, EpisodeSink {
  protected readonly clients = new Set<ViewerClient>();
  /** Clients waiting for the current scene (the source had none at hand when they (re)joined). */
  private readonly awaitingScene = new Set<ViewerClient>();
  private readonly history: MetricPoint[] = [];
  private readonly frameInterval: number;
  private readonly historyLimit: number;
  private lastFrameAt = -Infinity;
  private readonly batchInterval: number;
  private readonly queue: Array<SceneMessage | StepMessage | EpisodeEndMessage> = [];
  private lastFlushAt = -Infinity;
  private flushTimer: NodeJS.Timeout | null = null;
  private saliency: LiveSaliency | null = null;
  private saliencyNote: string | undefined = undefined;
  /** Where the shown episode stands, for rebuilding its observations: the last scene and step. */
  private track: { episode: number; step: number; start: PoseXZ; goals: Array<[number, number]>; pose: PoseXZ; collided: boolean } | null =
    null;
  /** The camera frames of the tracked step that saliency needs, as they arrive. */
  private readonly stepFrames = new Map<FrameKind, Frame>();
  private readonly saliencyInterval: number;
  private lastSaliencyAt = -Infinity;

  constructor(
    readonly streamer: EpisodeSource,
    protected readonly options: LiveSessionOptions,
  ) {
    this.frameInterval = 1000 / (options.frameRate ?? 15);
    this.historyLimit = options.metricsHistory ?? 10_000;
    this.batchInterval = options.batchInterval ?? 50;
    this.saliencyInterval = 1000 / (options.saliencyRate ?? 4);
    streamer.addSink(this);
  }

  // --- ViewerSession --------------------------------------------------------------------------

  hello(): Omit<HelloMessage, 'type' | 'version'> {
    const streams: StreamName[] = ['episodes'];
    if (this.streamer.frameKinds.length > 0) streams.push('frames');
    if (this.options.mode === 'live') streams.push('metrics');
    return {
      mode: this.options.mode,
      source: this.options.source,
      streams,
      frameKinds: this.streamer.frameKinds,
      actions: this.streamer.actionNames,
      ...(this.saliency !== null ? { saliency: this.saliency.methods } : {}),
      ...(this.saliencyNote !== undefined ? { saliencyNote: this.saliencyNote } : {}),
    };
  }

  /**
   * Offer saliency maps of a policy (`LiveSaliency`), or say why there are none (`{ problem }`).
   * Viewers connected already learn of it with their next hello (a reconnect).
   */
  setSaliency(saliency: LiveSaliency | { problem: string }): void {
    if ('problem' in saliency) {
      this.saliency = null;
      this.saliencyNote = saliency.problem;
    } else {
      this.saliency = saliency;
      this.saliencyNote = undefined;
    }
  }

  /** Maps on or off: they come with the next camera frames (the server has set `client.saliency`). */
  onSaliency(): void {}

  onSubscribe(client: ViewerClient, first: boolean): void {
    this.clients.add(client);
    if (!first) return;
    if (client.metrics && this.history.length > 0) client.send({ type: 'metrics', points: this.history }, false);
    this.onResync(client);
  }

  onResync(client: ViewerClient): void {
    // Queued steps would follow the scene's trail twice: send them first to everyone else.
    this.flush();
    const scene = this.streamer.currentScene();
    if (scene !== null) {
      this.followScene(scene);
      client.send(scene, false);
    } else this.awaitingScene.add(client);
  }

  onClose(client: ViewerClient): void {
    this.clients.delete(client);
    this.awaitingScene.delete(client);
  }

  close(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.queue.length = 0;
    this.streamer.removeSink(this);
    this.clients.clear();
    this.awaitingScene.clear();
  }

  /** Add training-curve points and send them to the viewers that want curves. */
  publishMetrics(points: MetricPoint[]): void {
    if (points.length === 0) return;
    // One push per point: spreading a long array into push() passes its length as arguments and overflows the stack.
    for (const point of points) this.history.push(point);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    const text = encodeServerMessage({ type: 'metrics', points });
    for (const client of this.clients) if (client.metrics) client.send(text, false);
  }

  // --- EpisodeSink ----------------------------------------------------------------------------

  wantsEpisodes(): boolean {
    return this.clients.size > 0;
  }

  wantsFrames(): readonly FrameKind[] {
    const now = performance.now();
    if (now - this.lastFrameAt < this.frameInterval) return [];
    const kinds = new Set<FrameKind>();
    for (const client of this.clients) {
      for (const k of client.frames) kinds.add(k);
      // A map needs the frames of every camera the policy reads, whether or not the client shows them.
      if (client.saliency !== null && this.saliency !== null) for (const k of this.saliency.kinds) kinds.add(k);
    }
    // The interval counts from the request: a relayed source's frames arrive a little later.
    if (kinds.size > 0) this.lastFrameAt = now;
    return [...kinds];
  }

  scene(message: SceneMessage): void {
    // A new episode: everyone gets its scene, waiting clients included.
    this.awaitingScene.clear();
    this.followScene(message);
    this.enqueue(message);
  }

  resync(message: SceneMessage): void {
    // The steps queued before the snapshot go first, as in onResync.
    this.flush();
    this.followScene(message);
    for (const client of this.awaitingScene) client.send(message, false);
    this.awaitingScene.clear();
  }

  step(message: StepMessage): void {
    this.follow(message.episode, message.step, message.pose, message.collided);
    this.enqueue(message);
  }

  episodeEnd(message: EpisodeEndMessage): void {
    this.enqueue(message);
  }

  frame(header: FrameHeader, data: Uint8Array | Float32Array): void {
    // The steps before this frame go first, so a viewer never sees a frame ahead of its step.
    this.flush();
    let bytes: Uint8Array | null = null;
    for (const client of this.clients) {
      if (!client.frames.includes(header.kind)) continue;
      bytes ??= encodeFrame(header, data);
      client.sendBinary(bytes);
    }
    this.explain(header, data);
  }

  /** Keep an episode's start and goals, and where it stands (a late joiner's scene carries its trail and pose so far). */
  private followScene(scene: SceneMessage): void {
    if (this.saliency === null) return;
    const step = scene.trail !== undefined ? Math.max(0, scene.trail.length / 2 - 1) : 0;
    this.track = { episode: scene.episode, step, start: scene.start, goals: scene.goals, pose: scene.pose ?? scene.start, collided: false };
    this.stepFrames.clear();
  }

  /** Keep the step's pose, for rebuilding its observation. */
  private follow(episode: number, step: number, pose: PoseXZ, collided: boolean): void {
    if (this.saliency === null) return;
    if (this.track !== null && this.track.episode === episode) Object.assign(this.track, { step, pose, collided });
    this.stepFrames.clear();
  }

  /** Once every camera the policy reads has its frame of the tracked step: a map per wanted method to the clients that want it. */
  private explain(header: FrameHeader, data: Uint8Array | Float32Array): void {
    const saliency = this.saliency;
    const track = this.track;
    if (saliency === null || track === null || !saliency.kinds.includes(header.kind)) return;
    if (header.episode !== track.episode || header.step !== track.step) return;
    const wanting = [...this.clients].filter((c) => c.saliency !== null);
    if (wanting.length === 0) return;
    // A copy: the source may reuse its buffer for the next step.
    this.stepFrames.set(header.kind, { ...header, data: data.slice() });
    if (!saliency.kinds.every((k) => this.stepFrames.has(k))) return;
    const now = performance.now();
    if (now - this.lastSaliencyAt < this.saliencyInterval) return;
    this.lastSaliencyAt = now;
    const parts = { frame: (kind: FrameKind) => this.stepFrames.get(kind) ?? null, ...track };
    const maps = new Map<SaliencyMethodName, Uint8Array | null>();
    for (const client of wanting) {
      const method = client.saliency!;
      if (!maps.has(method)) maps.set(method, saliency.frame(parts, method, track.episode, track.step));
      const bytes = maps.get(method);
      if (bytes) client.sendBinary(bytes);
    }
    this.stepFrames.clear();
  }

  private enqueue(message: SceneMessage | StepMessage | EpisodeEndMessage): void {
    this.queue.push(message);
    if (performance.now() - this.lastFlushAt >= this.batchInterval) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.batchInterval);
  }

  /** Send what is queued: one message, encoded once for all clients. */
  flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.lastFlushAt = performance.now();
    if (this.queue.length === 0) return;
    const messages = this.queue.splice(0);
    const text = encodeServerMessage(messages.length === 1 ? messages[0]! : { type: 'batch', messages });
    // Droppable: a backlogged client is resynced with the scene and its trail once it drains.
    for (const client of this.clients) client.send(text);
  }
}
