/**
 * RelaySink: the worker-thread end of an episode stream. It is the sink of the EpisodeStreamer
 * that watches the streamed env inside its worker (`workerLoop`), and posts what the streamer
 * builds to the main thread, where `RelayedEpisodes` hands it to the viewer.
 *
 * What is wanted comes from shared control words the main thread writes before each command
 * (`STREAM_*` below), so the worker never waits on the main thread: with no viewer listening, a
 * step costs the streamer's pose copy and one atomic load, and nothing is posted.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EpisodeSink, EpisodeStreamer } from './EpisodeStreamer.js';
import { FRAME_KINDS, type EpisodeEndMessage, type FrameHeader, type FrameKind, type SceneMessage, type StepMessage } from './protocol.js';

/** The shared Int32 control words: 1 while a viewer listens to episodes. */
export const STREAM_EPISODES = 0;
/** A bit per FRAME_KINDS entry: the camera channels wanted during the next command. */
export const STREAM_FRAMES = 1;
/** Bumped by the main thread to ask for the current scene and trail, answered before the next command. */
export const STREAM_SYNC = 2;
export const STREAM_WORDS = 3;

/** What goes over the stream's port, in the order the streamer made it. */
export type RelayMessage =
  | SceneMessage
  | StepMessage
  | EpisodeEndMessage
  | { type: 'frame'; header: FrameHeader; data: Uint8Array | Float32Array }
  /** The current scene and trail, answering a sync request. */
  | { type: 'sync'; scene: SceneMessage };

/** Frame kinds for each STREAM_FRAMES bit mask, built once so `wantsFrames` allocates nothing. */
const KINDS_BY_MASK: ReadonlyArray<readonly FrameKind[]> = Array.from({ length: 1 << FRAME_KINDS.length }, (_, mask) =>
  FRAME_KINDS.filter((_, bit) => (mask & (1 << bit)) !== 0),
);

export class RelaySink implements EpisodeSink {
  private syncSeen = 0;

  constructor(
    private readonly streamer: EpisodeStreamer,
    private readonly port: MessagePort,
    private readonly control: Int32Array,
  ) {
    streamer.addSink(this);
  }

  wantsEpisodes(): boolean {
    return Atomics.load(this.control, STREAM_EPISODES) === 1;
  }

  wantsFrames(): readonly FrameKind[] {
    return KINDS_BY_MASK[Atomics.load(this.control, STREAM_FRAMES)] ?? [];
  }

  scene(message: SceneMessage): void {
    this.post(message);
  }

  step(message: StepMessage): void {
    this.post(message);
  }

  episodeEnd(message: EpisodeEndMessage): void {
    this.post(message);
  }

  frame(header: FrameHeader, data: Uint8Array | Float32Array): void {
    // `data` is the env's observation buffer, rewritten by its next step: send a copy, moved not cloned.
    const copy = data.slice();
    this.port.postMessage({ type: 'frame', header, data: copy } satisfies RelayMessage, [copy.buffer]);
  }

  /** Before each command: if the main thread asked, send the current scene with its trail so far. */
  answerSync(): void {
    const sync = Atomics.load(this.control, STREAM_SYNC);
    if (sync === this.syncSeen) return;
    this.syncSeen = sync;
    const scene = this.streamer.currentScene();
    // Before the first episode there is nothing to send; its scene message will reach everyone.
    if (scene !== null) this.post({ type: 'sync', scene });
  }

  private post(message: RelayMessage): void {
    this.port.postMessage(message);
  }
}
