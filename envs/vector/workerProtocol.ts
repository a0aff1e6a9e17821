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
 * An env wrapper (optional): the worker that owns the wrapped env imports the wrapper's module,
 * wraps the env with it and calls its `beforeCommand` before serving each command; the wrapper has
 * a MessagePort and shared Int32 words of its own to talk to the main thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { BatchedObservation, Env } from '../../src/core/Env.js';

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

/**
 * A wrapper applied to one env inside its worker: the worker imports `module` (a file URL) and
 * passes the env to its `wrapWorkerEnv` export (type `WrapWorkerEnv`). The wrapper and the main
 * thread talk over a `WorkerEnvChannel`. This is how the viewer's episode relay (src/stream/)
 * reaches an env in a worker without the vector env knowing about viewers.
 */
export interface WorkerEnvWrapper {
  /** Global index of the env to wrap. */
  env: number;
  /** URL of the module exporting `wrapWorkerEnv` (compiled JavaScript, or a source file built to `dist/`). */
  module: string;
  /** Int32 words shared between the wrapper and the main thread. @default 0 */
  controlWords?: number;
  /** Structured-cloneable options handed to `wrapWorkerEnv`. */
  options?: unknown;
}

/** Both ends of a wrapper's channel: the wrapped env's index, the shared control words, a port. */
export interface WorkerEnvChannel {
  /** Global index of the wrapped env. */
  env: number;
  control: Int32Array;
  port: MessagePort;
}

/** What `wrapWorkerEnv` receives besides the env. */
export interface WorkerEnvContext extends WorkerEnvChannel {
  /** The registry id the worker made its envs from. */
  id: string;
  options: unknown;
}

/** The `wrapWorkerEnv` export of a wrapper module: the env to step instead, and work to do before each command. */
export type WrapWorkerEnv = (
  env: Env,
  context: WorkerEnvContext,
) => { env: Env; beforeCommand?: () => void } | Promise<{ env: Env; beforeCommand?: () => void }>;

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
  /** Set for the worker that owns the wrapped env (its port is transferred). */
  wrapper?: WorkerEnvChannel & { module: string; options: unknown };
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
