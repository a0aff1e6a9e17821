/**
 * ReplaySession: plays recorded episodes (`.rec`) to each viewer with its own cursor, so one
 * viewer pausing or seeking does not move another. Optionally follows a run's metrics log for
 * the training curves.
 *
 * Replays are reliable: a backlogged client is not skipped over, its playback waits until the
 * socket drains (no step is lost, memory stays bounded by one tick's worth of messages). What a
 * backlogged client asks for (seek, step, pause…) moves its cursor but sends nothing; once it
 * drains it gets its position (scene, trail, step, frames, state) once — so a burst of seeks costs
 * one scene, not one per seek, as live viewers are resynced rather than sent what they missed.
 */
import type { MetricsLogTail } from '../runs/MetricsLog.js';
import {
  encodeFrame,
  encodeServerMessage,
  FRAME_KINDS,
  type FrameKind,
  type HelloMessage,
  type MetricPoint,
  type PlaybackMessage,
  type ServerMessage,
  type StreamName,
} from '../stream/protocol.js';
import type { RecordedEpisode } from '../runs/Recording.js';
import type { ReplaySaliency } from './SaliencyMaps.js';
import type { ViewerClient, ViewerSession } from './ViewerServer.js';

/** Replay speed at 1×: steps per second (s⁻¹). */
export const BASE_STEPS_PER_SECOND = 10;
/** Pause between episodes at 1× (s). */
const EPISODE_GAP = 1;
/** Playback timer period (ms). */
const TICK_MS = 50;
/** At most this many steps per client per tick, whatever the speed. */
const MAX_STEPS_PER_TICK = 64;
/** How often the metrics log is checked for new lines (ms). */
const METRICS_POLL_MS = 1000;

interface Cursor {
  episode: number;
  /** Steps shown of the current episode (0 = the start view). */
  step: number;
  paused: boolean;
  speed: number;
  /** Fractional steps owed to the client. */
  budget: number;
  /** Seconds left of the pause after an episode's end. */
  gap: number;
  /** The current episode's end was sent. */
  ended: boolean;
  /** The client asked for something while backlogged: nothing is sent until it is resynced at its position. */
  behind: boolean;
}

/** What a replay shows: recorded episodes, action names and optionally a run's metrics log to follow. */
export interface ReplaySessionOptions {
  /** What is replayed (file or run), shown in the viewer. */
  source: string;
  episodes: RecordedEpisode[];
  /** Discrete action names by index. */
  actions?: string[];
  /** A run's metrics log to follow. */
  metrics?: MetricsLogTail;
  /** Where a problem with the metrics log is reported, one line at a time. @default standard error */
  log?: (line: string) => void;
  /** A policy's saliency maps over these episodes, offered to viewers that ask. */
  saliency?: ReplaySaliency;
  /** Why a policy was given but has no maps here (shown in the viewer). */
  saliencyNote?: string;
}

/** Plays recorded episodes to each viewer with its own cursor (pause, seek, speed), losing no step. */
export class ReplaySession implements ViewerSession {
  private readonly clients = new Set<ViewerClient>();
  private readonly history: MetricPoint[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly metricsTimer: NodeJS.Timeout | null = null;
  private lastTick = performance.now();
  /** During a tick: the clients whose saliency map waits for the tick's last step (a fast replay computes one map per tick, not one per step). */
  private deferredMaps: Set<ViewerClient> | null = null;
  /** The metrics log's last read failed (reported once; curves resume when it reads again). */
  private metricsFailing = false;

  constructor(private readonly options: ReplaySessionOptions) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    if (options.metrics !== undefined) {
      this.pollMetrics();
      this.metricsTimer = setInterval(() => this.pollMetrics(), METRICS_POLL_MS);
    }
  }

  get episodeCount(): number {
    return this.options.episodes.length;
  }

  hello(): Omit<HelloMessage, 'type' | 'version'> {
    const streams: StreamName[] = ['episodes'];
    const kinds = new Set(this.options.episodes.flatMap((e) => e.frameKinds));
    const frameKinds = FRAME_KINDS.filter((k) => kinds.has(k));
    if (frameKinds.length > 0) streams.push('frames');
    if (this.options.metrics !== undefined) streams.push('metrics');
    return {
      mode: 'replay',
      source: this.options.source,
      streams,
      frameKinds,
      actions: this.options.actions ?? [],
      episodes: this.episodeCount,
      ...(this.options.saliency ? { saliency: this.options.saliency.methods } : {}),
      ...(this.options.saliencyNote !== undefined ? { saliencyNote: this.options.saliencyNote } : {}),
    };
  }

  /** Maps on: the current step's map at once (a paused viewer sees it without stepping). */
  onSaliency(client: ViewerClient): void {
    const cursor = client.state as Cursor | undefined;
    if (cursor === undefined || this.episodeCount === 0) return;
    this.sendSaliency(client, cursor);
  }

  onSubscribe(client: ViewerClient, first: boolean): void {
    this.clients.add(client);
    if (!first) return;
    if (client.metrics && this.history.length > 0) client.send({ type: 'metrics', points: this.history }, false);
    const cursor: Cursor = { episode: 0, step: 0, paused: false, speed: 1, budget: 0, gap: 0, ended: false, behind: false };
    client.state = cursor;
    if (this.episodeCount === 0) return;
    this.show(client, cursor, 0, 0);
  }

  onPlayback(client: ViewerClient, message: PlaybackMessage): void {
    const cursor = client.state as Cursor;
    // Backlogged: the command only moves the cursor; the tick sends the client its position once it drains.
    if (client.backlogged) cursor.behind = true;
    switch (message.command) {
      case 'pause':
        cursor.paused = true;
        break;
      case 'resume':
        if (this.atEnd(cursor)) this.show(client, cursor, 0, 0);
        cursor.paused = false;
        cursor.budget = 0;
        break;
      case 'step':
        cursor.paused = true;
        if (this.episodeCount > 0) this.advance(client, cursor);
        break;
      case 'speed':
        cursor.speed = message.speed;
        break;
      case 'seek': {
        const episode = this.options.episodes[message.episode];
        if (episode === undefined) {
          client.error('bad-request', `seek: episode ${message.episode} does not exist (${this.episodeCount} recorded)`);
          return;
        }
        if (message.step > episode.steps) {
          client.error('bad-request', `seek: episode ${message.episode} has ${episode.steps} steps, not ${message.step}`);
          return;
        }
        this.show(client, cursor, message.episode, message.step);
        break;
      }
    }
    this.sendState(client, cursor);
  }

  onClose(client: ViewerClient): void {
    this.clients.delete(client);
  }

  close(): void {
    clearInterval(this.timer);
    if (this.metricsTimer !== null) clearInterval(this.metricsTimer);
    this.clients.clear();
  }

  /** New lines of the metrics log to every viewer that wants curves. Runs from a timer, so it must never throw. */
  private pollMetrics(): void {
    const log = this.options.metrics!;
    let points: MetricPoint[];
    try {
      points = log.poll();
    } catch (err) {
      // A log that is replaced, truncated or unreadable must not stop the replays: say so once, keep trying.
      if (!this.metricsFailing) {
        const say = this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
        say(`robonav: cannot read ${log.path} (${err instanceof Error ? err.message : String(err)}); curves resume when it is readable`);
      }
      this.metricsFailing = true;
      return;
    }
    this.metricsFailing = false;
    if (points.length === 0) return;
    // One push per point: spreading a long log into push() would pass its length as arguments and overflow the stack.
    for (const point of points) this.history.push(point);
    const text = encodeServerMessage({ type: 'metrics', points });
    for (const client of this.clients) if (client.metrics) client.send(text, false);
  }

  private tick(): void {
    const now = performance.now();
    const dt = (now - this.lastTick) / 1000;
    this.lastTick = now;
    const deferred = new Set<ViewerClient>();
    this.deferredMaps = deferred;
    try {
      this.play(dt);
    } finally {
      this.deferredMaps = null;
    }
    for (const client of deferred) {
      const cursor = client.state as Cursor | undefined;
      if (cursor !== undefined) this.sendSaliency(client, cursor);
    }
  }

  /** Each client's playback for `dt` seconds. */
  private play(dt: number): void {
    for (const client of this.clients) {
      const cursor = client.state as Cursor | undefined;
      if (cursor === undefined || client.backlogged) continue;
      if (cursor.behind) {
        this.resync(client, cursor);
        continue;
      }
      if (cursor.paused || this.episodeCount === 0) continue;
      if (cursor.gap > 0) {
        cursor.gap -= dt * cursor.speed;
        continue;
      }
      cursor.budget = Math.min(MAX_STEPS_PER_TICK, cursor.budget + dt * BASE_STEPS_PER_SECOND * cursor.speed);
      while (cursor.budget >= 1 && !cursor.paused && cursor.gap <= 0 && !client.backlogged) {
        cursor.budget -= 1;
        this.advance(client, cursor);
      }
    }
  }

  /** One step forward: the next step, the episode's end, or the next episode's start. */
  private advance(client: ViewerClient, cursor: Cursor): void {
    const episode = this.options.episodes[cursor.episode]!;
    if (cursor.step < episode.steps) {
      cursor.step += 1;
      this.send(client, cursor, episode.step(cursor.step));
      this.sendFrames(client, cursor, episode);
      return;
    }
    if (!cursor.ended) {
      cursor.ended = true;
      this.send(client, cursor, episode.end());
      cursor.gap = EPISODE_GAP;
      if (cursor.episode === this.episodeCount - 1) cursor.paused = true;
      this.sendState(client, cursor);
      return;
    }
    if (cursor.episode < this.episodeCount - 1) {
      this.show(client, cursor, cursor.episode + 1, 0);
      this.sendState(client, cursor);
    }
  }

  /** Jump to (episode, step): the scene with the trail up to there, that step, its frames. */
  private show(client: ViewerClient, cursor: Cursor, e: number, step: number): void {
    const episode = this.options.episodes[e]!;
    cursor.episode = e;
    cursor.step = step;
    cursor.ended = false;
    cursor.gap = 0;
    cursor.budget = 0;
    // Behind: only the position changes; the client is shown it once it drains.
    if (cursor.behind) return;
    this.send(client, cursor, episode.scene(step));
    if (step > 0) this.send(client, cursor, episode.step(step));
    this.sendFrames(client, cursor, episode);
    this.sendState(client, cursor);
  }

  /** A client that was behind has drained: send it where its cursor is now. */
  private resync(client: ViewerClient, cursor: Cursor): void {
    cursor.behind = false;
    if (this.episodeCount === 0) this.sendState(client, cursor);
    else this.show(client, cursor, cursor.episode, cursor.step);
  }

  private atEnd(cursor: Cursor): boolean {
    const episode = this.options.episodes[cursor.episode];
    return episode === undefined || (cursor.episode === this.episodeCount - 1 && cursor.ended);
  }

  /** A message of the cursor's episode, unless the client is behind. */
  private send(client: ViewerClient, cursor: Cursor, message: ServerMessage): void {
    if (cursor.behind) return;
    // Episodes from several files form one playlist: number them by their place in it.
    client.send({ ...message, episode: cursor.episode } as ServerMessage, false);
  }

  private sendFrames(client: ViewerClient, cursor: Cursor, episode: RecordedEpisode): void {
    if (cursor.behind) return;
    for (const kind of client.frames as FrameKind[]) {
      const frame = episode.frame(kind, cursor.step);
      if (frame === null) continue;
      client.sendBinary(encodeFrame({ ...frame, episode: cursor.episode }, frame.data));
    }
    this.sendSaliency(client, cursor);
  }

  private sendSaliency(client: ViewerClient, cursor: Cursor): void {
    const saliency = this.options.saliency;
    if (cursor.behind || saliency === undefined || client.saliency === null) return;
    if (this.deferredMaps !== null) {
      this.deferredMaps.add(client);
      return;
    }
    const bytes = saliency.frame(cursor.episode, cursor.step, client.saliency);
    if (bytes !== null) client.sendBinary(bytes);
  }

  private sendState(client: ViewerClient, cursor: Cursor): void {
    if (cursor.behind) return;
    const episode = this.options.episodes[cursor.episode];
    client.send(
      {
        type: 'playbackState',
        paused: cursor.paused,
        speed: cursor.speed,
        episode: cursor.episode,
        step: cursor.step,
        episodes: this.episodeCount,
        steps: episode?.steps ?? 0,
      },
      false,
    );
  }
}
