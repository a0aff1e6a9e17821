/**
 * RelayedEpisodes: the main-thread end of an episode stream from a worker thread. A
 * WorkerVectorEnv created with `wrapper: relayedEnv(env)` runs an EpisodeStreamer on that env
 * inside the worker that owns it (its `RelaySink` posts the messages); this class hands them to its
 * sinks — the LiveSession of `robonav train --view --workers N` — exactly as an in-thread streamer would.
 *
 *   const venv = await WorkerVectorEnv.create('PointNav-v0', { numEnvs: 8, numWorkers: 2, wrapper: relayedEnv(0) });
 *   const source = new RelayedEpisodes(venv);
 *   const envs = source.wrap(venv);   // step `envs`: it tells the worker what the sinks want first
 *
 * The worker cannot ask the sinks what they want (it is blocked between commands), so before each
 * reset/step `wrap` writes it into the shared control words: episodes wanted or not, and which
 * camera channels. While no sink listens the worker posts nothing. The current scene of a running
 * episode lives in the worker: `currentScene()` asks for it and returns null, and the answer goes
 * to the sinks' `resync`.
 */
import type { MessagePort } from 'node:worker_threads';
import type { VectorEnv } from '../core/Env.js';
import { UsageError } from '../core/errors.js';
import type { WorkerEnvChannel } from '../../envs/vector/workerProtocol.js';
import { actionNamesOf, frameSourcesOf, type EpisodeSink, type EpisodeSource } from './EpisodeStreamer.js';
import { FRAME_KINDS, type FrameKind, type SceneMessage } from './protocol.js';
import { interceptResetStep } from './interceptResetStep.js';
import { STREAM_EPISODES, STREAM_FRAMES, STREAM_SYNC, type RelayMessage } from './RelaySink.js';

/** What RelayedEpisodes needs of a WorkerVectorEnv. */
export interface StreamingVectorEnv extends VectorEnv {
  /** The relay's channel, or null when the vector env was made without a wrapper (see `relayedEnv`). */
  readonly wrapperChannel: WorkerEnvChannel | null;
}

/**
 * The main-thread end of the episodes an env in a worker thread relays (a WorkerVectorEnv made with
 * `wrapper: relayedEnv(i)`): a source of episode messages, like an EpisodeStreamer in this thread.
 */
export class RelayedEpisodes implements EpisodeSource {
  readonly frameKinds: FrameKind[];
  readonly actionNames: string[];
  private readonly sinks: EpisodeSink[] = [];
  private readonly control: Int32Array;
  private readonly port: MessagePort;
  /** STREAM_FRAMES bits of the channels the env has. */
  private readonly frameMask: number;

  constructor(venv: StreamingVectorEnv) {
    const channel = venv.wrapperChannel;
    if (channel === null)
      throw new UsageError('RelayedEpisodes: the vector env streams no env (create it with `wrapper: relayedEnv(env)`)');
    this.control = channel.control;
    this.port = channel.port;
    this.frameKinds = [...frameSourcesOf(venv.singleObservationSpace).keys()];
    this.actionNames = actionNamesOf(venv.singleActionSpace);
    this.frameMask = this.frameKinds.reduce((mask, kind) => mask | (1 << FRAME_KINDS.indexOf(kind)), 0);
    this.port.on('message', (message: RelayMessage) => this.receive(message));
    // The port must not keep the process alive; the vector env closes it.
    this.port.unref();
  }

  addSink(sink: EpisodeSink): void {
    this.sinks.push(sink);
  }

  removeSink(sink: EpisodeSink): void {
    const i = this.sinks.indexOf(sink);
    if (i >= 0) this.sinks.splice(i, 1);
  }

  /** Asks the worker for the current scene and trail (they arrive at the sinks' `resync`); null now. */
  currentScene(): SceneMessage | null {
    Atomics.add(this.control, STREAM_SYNC, 1);
    return null;
  }

  /**
   * The vector env itself, seen through a Proxy whose `reset` and `step` first tell the worker what
   * the sinks want for that command. Everything else reaches the vector env unchanged.
   */
  wrap<V extends VectorEnv>(venv: V): V {
    const reset: VectorEnv['reset'] = (args) => {
      this.publishDemand();
      return venv.reset(args);
    };
    const step: VectorEnv['step'] = (actions) => {
      this.publishDemand();
      return venv.step(actions);
    };
    return interceptResetStep(venv, reset, step);
  }

  /** Write what the sinks want now into the control words the worker reads during the next command. */
  private publishDemand(): void {
    let episodes = 0;
    let frames = 0;
    for (const sink of this.sinks) {
      if (!sink.wantsEpisodes()) continue;
      episodes = 1;
      for (const kind of sink.wantsFrames()) frames |= 1 << FRAME_KINDS.indexOf(kind);
    }
    Atomics.store(this.control, STREAM_EPISODES, episodes);
    Atomics.store(this.control, STREAM_FRAMES, frames & this.frameMask);
  }

  /**
   * One message from the worker, to every listening sink. Frames go to all of them: the channels a
   * sink asked for before the command may differ from what it asks now, and a LiveSession sends
   * each client only the channels it subscribed to anyway.
   */
  private receive(message: RelayMessage): void {
    for (const sink of this.sinks) {
      if (!sink.wantsEpisodes()) continue;
      switch (message.type) {
        case 'scene':
          sink.scene(message);
          break;
        case 'step':
          sink.step(message);
          break;
        case 'episodeEnd':
          sink.episodeEnd(message);
          break;
        case 'frame':
          sink.frame(message.header, message.data);
          break;
        case 'sync':
          sink.resync?.(message.scene);
          break;
      }
    }
  }
}
