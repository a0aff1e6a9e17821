/**
 * N envs spread over worker threads (several envs per worker), with observations, rewards and
 * flags in shared memory and commands synchronised with Atomics (see workerProtocol.ts). Same
 * `VectorEnv` contract and same-step autoreset as `SyncVectorEnv`, and the same results for the
 * same seeds: env i gets seed + i whichever worker runs it.
 *
 * Factories cannot cross threads, so workers make their envs from a registry id and options
 * (structured-cloneable). An env registered at run time must be registered by a module listed in
 * `modules`, which every worker imports first. An exception inside a worker's env rejects the
 * call with the original error name and message.
 *
 * A watchdog bounds each reset, step and close: a worker that has not answered after
 * `stepTimeoutMs` (an env stuck in an endless loop, a deadlock) rejects the call with an Error
 * naming the worker, the command and its envs, instead of hanging its caller forever. The vector
 * env is then unusable; `close()` still ends the workers.
 *
 * `wrapper: { env, module }` wraps one env inside its worker with the `wrapWorkerEnv` export of a
 * module (see `WorkerEnvWrapper`); the wrapper's channel to the main thread is `wrapperChannel`.
 * The viewer streams an env that steps in a worker this way (src/stream/relayWorker.ts).
 *
 * The worker script is compiled JavaScript in `dist/` (`npm run build`); when this file runs as
 * TypeScript source (vitest), it starts the compiled copy at the same path under `dist/`.
 *
 *   const venv = await WorkerVectorEnv.create('PointNav-v0', { numEnvs: 8, numWorkers: 2 });
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { BatchedObservation, Info, ResetArgs, VectorEnv, VectorResetResult, VectorStepResult } from '../../src/core/Env.js';
import { allocateBatch, readFromBatch } from '../../src/core/batch.js';
import { EnvStateError, SpaceError, UsageError } from '../../src/core/errors.js';
import { Box, Discrete, type Space, type SpaceJSON, spaceFromJSON, spacesEqual } from '../../src/core/spaces.js';
import { compiledModule } from '../../src/core/compiledModule.js';
import {
  Command,
  CTRL_CMD,
  CTRL_DONE,
  CTRL_LEN,
  CTRL_SEQ,
  CTRL_STATUS,
  CTRL_STRIDE,
  LEN_POSTED,
  Status,
  type WorkerEnvChannel,
  type WorkerEnvWrapper,
  type SerializedError,
  type WorkerBuffers,
  type WorkerInit,
  type WorkerMessage,
} from './workerProtocol.js';

/** How many envs and worker threads, the options and modules each worker makes its envs with, and an optional env wrapper. */
export interface WorkerVectorEnvOptions {
  /** Number of envs. */
  numEnvs: number;
  /** Worker threads; envs are split into contiguous blocks. @default min(numEnvs, available cores) */
  numWorkers?: number;
  /** Options for `make(id, options)` in each worker (structured-cloneable). @default {} */
  options?: Record<string, unknown>;
  /** Modules (paths or file URLs) each worker imports before making envs, e.g. ones calling `registerEnv`. @default [] */
  modules?: string[];
  /** Bytes of shared memory per worker for infos and reset arguments; larger replies go by message. @default 262144 */
  messageBytes?: number;
  /** Wrap one env inside its worker (e.g. the viewer's episode relay). @default none */
  wrapper?: WorkerEnvWrapper;
  /**
   * How long one reset, step or close may take in the workers before the call rejects and the
   * vector env is given up (ms; 0 = no limit). Generous, because one PointNav reset builds a
   * geodesic field over the whole scene. @default 60000
   */
  stepTimeoutMs?: number;
}

/** The default `stepTimeoutMs`: a minute, far beyond any healthy reset or step. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

/** Node's timers take at most 2^31 − 1 ms; a longer delay would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const COMMAND_NAMES: Record<number, string> = { [Command.RESET]: 'reset', [Command.STEP]: 'step', [Command.CLOSE]: 'close' };

interface WorkerHandle {
  worker: Worker;
  /** The worker's envs: global indices start … start + count − 1. */
  start: number;
  count: number;
  /** Why the worker died (error or exit), once it has; every later wait rejects with it. */
  death: Error | null;
  /** Rejects the wait in progress, if any, when the worker dies or the watchdog gives up. */
  abortWait: ((err: Error) => void) | null;
  /** Replies that came by postMessage (too large for the shared area), in order. */
  posted: Uint8Array[];
  postedWaiters: Array<(bytes: Uint8Array) => void>;
}

const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  SpaceError,
  EnvStateError,
  UsageError,
  RangeError,
  TypeError,
};

/** `Atomics.waitAsync` (Node ≥ 16; typed in lib es2024, newer than this project's target). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

function rebuildError(e: SerializedError): Error {
  const Class = ERROR_CLASSES[e.name];
  const err = Class ? new Class(e.message) : new Error(e.message);
  if (!Class && e.name !== 'Error') err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/**
 * `wait`, or a rejection if the worker dies (or the watchdog gives up on it) first. Not
 * `Promise.race([wait, death])`: every race leaves a reaction on the long-lived death promise that
 * is only freed when it settles, which it never does in a healthy run — ≈ 270 bytes per step and
 * worker, 300 MB/h of heap in a PPO run.
 */
function untilDeath<T>(handle: WorkerHandle, wait: Promise<T>): Promise<T> {
  if (handle.death) return Promise.reject(handle.death);
  return new Promise<T>((resolveWait, rejectWait) => {
    handle.abortWait = rejectWait;
    wait.then(resolveWait, rejectWait).finally(() => (handle.abortWait = null));
  });
}

/**
 * N registered envs stepped in worker threads, exchanging observations, actions and rewards through
 * shared memory. Made by id with `WorkerVectorEnv.create(id, { numEnvs, numWorkers })`; close it to end the workers.
 */
export class WorkerVectorEnv implements VectorEnv {
  readonly numEnvs: number;
  readonly numWorkers: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Box | Discrete;
  /** The main-thread end of the env wrapper's channel, when created with `wrapper`. */
  readonly wrapperChannel: WorkerEnvChannel | null;
  private readonly handles: WorkerHandle[];
  private readonly ctrl: Int32Array;
  private readonly messages: Uint8Array[];
  private readonly buffers: WorkerBuffers;
  private readonly actionSize: number;
  private readonly id: string;
  private readonly stepTimeoutMs: number;
  /**
   * One timer for the vector env's whole life, re-armed with `refresh()` as each command starts
   * (a new timer per step would allocate one per step); when it fires while a command runs, that
   * command has run for `stepTimeoutMs`. Null without a limit.
   */
  private readonly watchdog: NodeJS.Timeout | null;
  /** The command in progress (while `busy`) and the SEQ each worker answers it with. */
  private command = 0;
  private readonly seqs: Int32Array;
  /** Why the vector env was given up (a worker did not answer in time); every later call rejects with it. */
  private failure: Error | null = null;
  private busy = false;
  private closed = false;

  /** Start the workers, make the envs in them and allocate the shared batch. */
  static async create(id: string, options: WorkerVectorEnvOptions): Promise<WorkerVectorEnv> {
    const { numEnvs } = options;
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new RangeError(`WorkerVectorEnv: numEnvs must be a positive integer, got ${numEnvs}`);
    const numWorkers = options.numWorkers ?? Math.min(numEnvs, availableParallelism());
    if (!Number.isInteger(numWorkers) || numWorkers < 1 || numWorkers > numEnvs) {
      throw new RangeError(`WorkerVectorEnv: numWorkers must be an integer in [1, numEnvs = ${numEnvs}], got ${numWorkers}`);
    }
    const messageBytes = options.messageBytes ?? 262_144;
    if (!Number.isInteger(messageBytes) || messageBytes < 1024)
      throw new RangeError(`WorkerVectorEnv: messageBytes must be an integer ≥ 1024, got ${messageBytes}`);
    const stepTimeoutMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    if (!Number.isInteger(stepTimeoutMs) || stepTimeoutMs < 0 || stepTimeoutMs > MAX_TIMEOUT_MS)
      throw new RangeError(
        `WorkerVectorEnv: stepTimeoutMs must be an integer in [0, ${MAX_TIMEOUT_MS}] (0 = no limit), got ${stepTimeoutMs}`,
      );
    const wrapper = options.wrapper;
    if (wrapper && (!Number.isInteger(wrapper.env) || wrapper.env < 0 || wrapper.env >= numEnvs)) {
      throw new RangeError(`WorkerVectorEnv: wrapper.env must be an env index in [0, ${numEnvs - 1}], got ${wrapper.env}`);
    }
    const modules = (options.modules ?? []).map((m) => (m.startsWith('file:') ? m : pathToFileURL(isAbsolute(m) ? m : resolve(m)).href));
    const script = compiledModule(new URL('./workerLoop.js', import.meta.url));
    const ctrl = new Int32Array(new SharedArrayBuffer(numWorkers * CTRL_STRIDE * 4));
    const messages: Uint8Array[] = [];
    const handles: WorkerHandle[] = [];
    let wrapperChannel: WorkerEnvChannel | null = null;
    const ready: Array<Promise<{ observationSpace: SpaceJSON; actionSpace: SpaceJSON }>> = [];
    for (let w = 0; w < numWorkers; w++) {
      const start = Math.floor((w * numEnvs) / numWorkers);
      const end = Math.floor(((w + 1) * numEnvs) / numWorkers);
      const message = new Uint8Array(new SharedArrayBuffer(messageBytes));
      messages.push(message);
      const init: WorkerInit = { id, options: options.options ?? {}, modules, workerIndex: w, start, count: end - start, ctrl, message };
      const transferList: MessagePort[] = [];
      if (wrapper && wrapper.env >= start && wrapper.env < end) {
        const channel = new MessageChannel();
        const control = new Int32Array(new SharedArrayBuffer(Math.max(1, wrapper.controlWords ?? 0) * 4));
        wrapperChannel = { env: wrapper.env, control, port: channel.port1 };
        const module = compiledModule(new URL(wrapper.module)).href;
        init.wrapper = { env: wrapper.env, control, port: channel.port2, module, options: wrapper.options };
        transferList.push(channel.port2);
      }
      const worker = new Worker(script, { workerData: init, transferList });
      const handle: WorkerHandle = { worker, start, count: end - start, death: null, abortWait: null, posted: [], postedWaiters: [] };
      ready.push(
        new Promise((resolveReady, rejectReady) => {
          const die = (err: Error): void => {
            handle.death ??= err;
            rejectReady(handle.death);
            handle.abortWait?.(handle.death);
          };
          worker.on('error', die);
          worker.on('exit', (code) => die(new Error(`WorkerVectorEnv: worker ${w} exited (code ${code})`)));
          worker.on('message', (msg: WorkerMessage) => {
            if (msg.type === 'ready')
              resolveReady({ observationSpace: msg.observationSpace as SpaceJSON, actionSpace: msg.actionSpace as SpaceJSON });
            else if (msg.type === 'failed') rejectReady(rebuildError(msg.error));
            else {
              const waiter = handle.postedWaiters.shift();
              if (waiter) waiter(msg.payload);
              else handle.posted.push(msg.payload);
            }
          });
        }),
      );
      handles.push(handle);
    }
    let spaces: Array<{ observationSpace: SpaceJSON; actionSpace: SpaceJSON }>;
    try {
      spaces = await Promise.all(ready);
    } catch (err) {
      wrapperChannel?.port.close();
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw err;
    }
    const observationSpace = spaceFromJSON(spaces[0]!.observationSpace);
    const actionSpace = spaceFromJSON(spaces[0]!.actionSpace);
    const mismatch = spaces.findIndex(
      (s) => !spacesEqual(spaceFromJSON(s.observationSpace), observationSpace) || !spacesEqual(spaceFromJSON(s.actionSpace), actionSpace),
    );
    if (mismatch >= 0 || !(actionSpace instanceof Box || actionSpace instanceof Discrete)) {
      wrapperChannel?.port.close();
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw new TypeError(
        mismatch >= 0
          ? `WorkerVectorEnv: "${id}" envs in worker ${mismatch} have different spaces than in worker 0`
          : `WorkerVectorEnv: "${id}" action space must be Box or Discrete`,
      );
    }
    return new WorkerVectorEnv(id, numEnvs, observationSpace, actionSpace, handles, ctrl, messages, wrapperChannel, stepTimeoutMs);
  }

  private constructor(
    id: string,
    numEnvs: number,
    observationSpace: Space,
    actionSpace: Box | Discrete,
    handles: WorkerHandle[],
    ctrl: Int32Array,
    messages: Uint8Array[],
    wrapperChannel: WorkerEnvChannel | null,
    stepTimeoutMs: number,
  ) {
    this.id = id;
    this.numEnvs = numEnvs;
    this.wrapperChannel = wrapperChannel;
    this.numWorkers = handles.length;
    this.singleObservationSpace = observationSpace;
    this.singleActionSpace = actionSpace;
    this.handles = handles;
    this.ctrl = ctrl;
    this.messages = messages;
    this.actionSize = actionSpace instanceof Box ? actionSpace.size : 1;
    this.stepTimeoutMs = stepTimeoutMs;
    this.seqs = new Int32Array(handles.length);
    // Unref'd: the watchdog alone must not keep a process alive.
    this.watchdog = stepTimeoutMs > 0 ? setTimeout(() => this.giveUpOnLateWorkers(), stepTimeoutMs).unref() : null;
    const sharedBytes = (n: number): SharedArrayBuffer => new SharedArrayBuffer(n);
    this.buffers = {
      type: 'buffers',
      obs: allocateBatch(observationSpace, numEnvs, true),
      finalObs: allocateBatch(observationSpace, numEnvs, true),
      rewards: new Float32Array(sharedBytes(numEnvs * 4)),
      terminated: new Uint8Array(sharedBytes(numEnvs)),
      truncated: new Uint8Array(sharedBytes(numEnvs)),
      actions:
        actionSpace instanceof Box
          ? new Float32Array(sharedBytes(numEnvs * this.actionSize * 4))
          : new Float64Array(sharedBytes(numEnvs * 8)),
    };
    for (const h of handles) h.worker.postMessage(this.buffers);
  }

  async reset(args: ResetArgs = {}): Promise<VectorResetResult> {
    const payload = serialize({ seed: args.seed, options: args.options });
    if (payload.length > this.messages[0]!.length)
      throw new RangeError(
        `WorkerVectorEnv.reset: options take ${payload.length} bytes, more than messageBytes (${this.messages[0]!.length})`,
      );
    const infos = await this.run(Command.RESET, payload);
    return { obs: this.buffers.obs, infos };
  }

  async step(actions: Int32Array | Float32Array): Promise<VectorStepResult> {
    if (actions.length !== this.numEnvs * this.actionSize) {
      throw new RangeError(`WorkerVectorEnv.step: expected ${this.numEnvs * this.actionSize} action values, got ${actions.length}`);
    }
    if (this.singleActionSpace instanceof Box && !(actions instanceof Float32Array)) {
      throw new SpaceError(
        `${this.singleActionSpace.toString()}: expected a Float32Array of actions, got ${(actions as object).constructor.name}`,
      );
    }
    this.buffers.actions.set(actions);
    const infos = await this.run(Command.STEP, null);
    infos.forEach((info, i) => {
      if (info.finalObs === true) info.finalObs = readFromBatch(this.singleObservationSpace, this.buffers.finalObs, i);
    });
    const { obs, rewards, terminated, truncated } = this.buffers;
    return { obs: obs as BatchedObservation, rewards, terminated, truncated, infos };
  }

  /** Stop the workers (their envs are closed first). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.busy) {
      try {
        await this.run(Command.CLOSE, null, true);
      } catch {
        // A worker that died or stopped answering cannot close its envs; terminating below is all that is left.
      }
    }
    if (this.watchdog) clearTimeout(this.watchdog);
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
    this.wrapperChannel?.port.close();
  }

  /** Send one command to every worker and gather their replies (per-env infos, in env order). */
  private async run(command: number, payload: Buffer | null, closing = false): Promise<Info[]> {
    if (this.closed && !closing) throw new EnvStateError('WorkerVectorEnv: used after close()');
    if (this.failure) throw this.failure;
    if (this.busy) throw new EnvStateError('WorkerVectorEnv: a reset/step is still running; await it before the next call');
    this.busy = true;
    this.command = command;
    this.watchdog?.refresh();
    try {
      for (let w = 0; w < this.handles.length; w++) {
        const base = w * CTRL_STRIDE;
        if (payload) {
          this.messages[w]!.set(payload);
          Atomics.store(this.ctrl, base + CTRL_LEN, payload.length);
        }
        Atomics.store(this.ctrl, base + CTRL_CMD, command);
        this.seqs[w] = Atomics.add(this.ctrl, base + CTRL_SEQ, 1) + 1;
        Atomics.notify(this.ctrl, base + CTRL_SEQ);
      }
      const replies = await Promise.all(this.handles.map((_, w) => this.collect(w, this.seqs[w]!)));
      const failed = replies.find((r) => r.status === Status.ERROR);
      if (failed) throw rebuildError(failed.value as SerializedError);
      return replies.flatMap((r) => (r.value as Info[] | null) ?? []);
    } finally {
      this.busy = false;
    }
  }

  /**
   * The watchdog fired: if a command is running, it has run for `stepTimeoutMs`. Every worker
   * that has not answered it yet is named in the error the call rejects with; the vector env is
   * given up, since a stuck worker cannot take another command.
   */
  private giveUpOnLateWorkers(): void {
    if (!this.busy) return;
    const late = this.handles.filter((_, w) => Atomics.load(this.ctrl, w * CTRL_STRIDE + CTRL_DONE) !== this.seqs[w]);
    // Every worker answered: the call is about to return (a large reply is still on its way).
    if (late.length === 0) return;
    const where = late.map((h) => {
      const envs = h.count === 1 ? `env ${h.start}` : `envs ${h.start}–${h.start + h.count - 1}`;
      return `worker ${this.handles.indexOf(h)} (${envs} of ${this.id})`;
    });
    this.failure = new Error(
      `WorkerVectorEnv: ${COMMAND_NAMES[this.command]} did not finish within ${this.stepTimeoutMs} ms (stepTimeoutMs) in ${where.join(', ')}; ` +
        'this vector env cannot be used any more',
    );
    for (const h of late) h.abortWait?.(this.failure);
  }

  private async collect(w: number, seq: number): Promise<{ status: number; value: unknown }> {
    const base = w * CTRL_STRIDE;
    const handle = this.handles[w]!;
    for (;;) {
      const done = Atomics.load(this.ctrl, base + CTRL_DONE);
      if (done === seq) break;
      const wait = waitAsync(this.ctrl, base + CTRL_DONE, done);
      if (wait.async) await untilDeath(handle, wait.value);
    }
    const status = Atomics.load(this.ctrl, base + CTRL_STATUS);
    const length = Atomics.load(this.ctrl, base + CTRL_LEN);
    const bytes =
      length === LEN_POSTED
        ? await untilDeath(
            handle,
            new Promise<Uint8Array>((res) => (handle.posted.length > 0 ? res(handle.posted.shift()!) : handle.postedWaiters.push(res))),
          )
        : this.messages[w]!.slice(0, length);
    return { status, value: deserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) };
  }
}
