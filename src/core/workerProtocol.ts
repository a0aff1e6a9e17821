/**
 * The shared-memory protocol between `WorkerVectorEnv` (main thread) and `workerLoop` (each
 * worker). One Int32Array of control words per worker, one message area per worker, and the
 * batched buffers every worker writes its own env slots of.
 *
 * A command: the main thread writes its payload (v8-serialised) into the worker's message area,
 * stores CMD, increments SEQ and wakes the worker; the worker runs it, writes its reply into the
 * same area, stores STATUS and LEN, sets DONE = SEQ and wakes the main thread. A reply larger than
 * the area goes by postMessage instead (LEN = −1).
 *
 * An episode stream (optional, for the viewer): the worker that owns the streamed env runs an
 * EpisodeStreamer on it and posts its messages on a MessagePort of their own. Three Int32 words
 * shared with the main thread say what is wanted: STREAM_EPISODES (1 while a viewer listens),
 * STREAM_FRAMES (a bit per FRAME_KINDS entry: camera channels wanted during the next command) and
 * STREAM_SYNC (bumped by the main thread to ask for the current scene and trail, answered before
 * the next command). With nothing wanted the worker posts nothing.
 */
import type { MessagePort } from 'node:worker_threads';
import type { BatchedObservation } from './Env.js';

export const Command = { RESET: 1, STEP: 2, CLOSE: 3 } as const;
export const Status = { OK: 0, ERROR: 1 } as const;

/** Int32 control words per worker (padded to keep workers' words apart). */
export const CTRL_STRIDE = 8;
export const CTRL_CMD = 0;
export const CTRL_SEQ = 1;
export const CTRL_DONE = 2;
export const CTRL_STATUS = 3;
export const CTRL_LEN = 4;
/** LEN value meaning "the reply was posted as a message". */
export const LEN_POSTED = -1;

/** Int32 words of an episode stream's control array. */
export const STREAM_EPISODES = 0;
export const STREAM_FRAMES = 1;
export const STREAM_SYNC = 2;
export const STREAM_WORDS = 3;

/** Both ends of an episode stream share this: the streamed env, the control words, a port. */
export interface EpisodeStreamChannel {
  /** Global index of the streamed env. */
  env: number;
  control: Int32Array;
  port: MessagePort;
}

/** Given to each worker at start (structured-cloned). */
export interface WorkerInit {
  id: string;
  options: Record<string, unknown>;
  /** File URLs imported before making envs (modules that call `registerEnv`). */
  modules: string[];
  workerIndex: number;
  /** Global index of this worker's first env, and how many it runs. */
  start: number;
  count: number;
  ctrl: Int32Array;
  message: Uint8Array;
  /** Set for the worker that owns the streamed env (its port is transferred). */
  stream?: EpisodeStreamChannel & { task?: string };
}

/** Posted by the main thread once it knows the spaces and has allocated the batch. */
export interface WorkerBuffers {
  type: 'buffers';
  obs: BatchedObservation;
  finalObs: BatchedObservation;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Discrete: one float64 per env (exactly the number the caller gave); Box: N × size float32. */
  actions: Float64Array | Float32Array;
}

/** Messages a worker posts. */
export type WorkerMessage =
  | { type: 'ready'; observationSpace: unknown; actionSpace: unknown }
  | { type: 'failed'; error: SerializedError }
  | { type: 'reply'; payload: Uint8Array };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}
