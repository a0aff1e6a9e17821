/**
 * The worker side of `WorkerVectorEnv`: makes its envs from a registry id, then serves commands
 * from shared memory (see workerProtocol.ts) until told to close. It blocks in `Atomics.wait`
 * between commands, which is why the shared buffers arrive by one message before the loop starts.
 *
 * Autoreset mirrors `SyncVectorEnv` exactly: a finished env is reset at once, its last observation
 * goes to the shared `finalObs` batch and its info carries `finalObs: true` (the main thread swaps
 * in a copy read from that batch) and `finalInfo`.
 *
 * The worker given a `wrapper` imports its module and steps the wrapped env instead (only that
 * worker loads it, so the others import nothing of, say, the viewer's relay).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { deserialize, serialize } from 'node:v8';
import type { Action, Env, Info, ResetArgs } from '../../src/core/Env.js';
import { writeToBatch } from '../../src/core/batch.js';
import { Box } from '../../src/core/spaces.js';
import { make } from '../registry.js';
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
  type SerializedError,
  type WorkerBuffers,
  type WorkerInit,
  type WorkerMessage,
  type WrapWorkerEnv,
} from './workerProtocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const base = init.workerIndex * CTRL_STRIDE;

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

async function start(): Promise<void> {
  let envs: Env[];
  let beforeCommand: (() => void) | null = null;
  try {
    for (const module of init.modules) await import(module);
    envs = Array.from({ length: init.count }, () => make(init.id, init.options));
    if (init.wrapper) {
      const { module, options, ...channel } = init.wrapper;
      const { wrapWorkerEnv } = (await import(module)) as { wrapWorkerEnv: WrapWorkerEnv };
      const j = channel.env - init.start;
      const wrapped = await wrapWorkerEnv(envs[j]!, { ...channel, id: init.id, options });
      envs[j] = wrapped.env;
      beforeCommand = wrapped.beforeCommand ?? null;
    }
  } catch (err) {
    post({ type: 'failed', error: serializeError(err) });
    return;
  }
  const first = envs[0]!;
  post({ type: 'ready', observationSpace: first.observationSpace.toJSON(), actionSpace: first.actionSpace.toJSON() });
  port.once('message', (buffers: WorkerBuffers) => serve(envs, buffers, beforeCommand));
}

function serve(envs: Env[], buffers: WorkerBuffers, beforeCommand: (() => void) | null): void {
  const { ctrl, message } = init;
  const obsSpace = envs[0]!.observationSpace;
  const actSpace = envs[0]!.actionSpace;
  const actionSize = actSpace instanceof Box ? actSpace.size : 1;

  const reset = (args: ResetArgs): Info[] =>
    envs.map((env, j) => {
      const i = init.start + j;
      const seed = args.seed === undefined ? undefined : args.seed + i;
      const { obs, info } = env.reset({ seed, options: args.options });
      writeToBatch(obsSpace, buffers.obs, i, obs);
      return info;
    });

  const step = (): Info[] =>
    envs.map((env, j) => {
      const i = init.start + j;
      const action: Action =
        actSpace instanceof Box ? (buffers.actions as Float32Array).slice(i * actionSize, (i + 1) * actionSize) : buffers.actions[i]!;
      const result = env.step(action);
      let { obs, info } = result;
      if (result.terminated || result.truncated) {
        writeToBatch(obsSpace, buffers.finalObs, i, obs);
        const next = env.reset();
        obs = next.obs;
        info = { ...next.info, finalObs: true, finalInfo: result.info };
      }
      writeToBatch(obsSpace, buffers.obs, i, obs);
      buffers.rewards[i] = result.reward;
      buffers.terminated[i] = result.terminated ? 1 : 0;
      buffers.truncated[i] = result.truncated ? 1 : 0;
      return info;
    });

  const reply = (status: number, value: unknown): void => {
    const bytes = serialize(value);
    if (bytes.length <= message.length) {
      message.set(bytes);
      Atomics.store(ctrl, base + CTRL_LEN, bytes.length);
    } else {
      post({ type: 'reply', payload: new Uint8Array(bytes) });
      Atomics.store(ctrl, base + CTRL_LEN, LEN_POSTED);
    }
    Atomics.store(ctrl, base + CTRL_STATUS, status);
  };

  // SEQ starts at 0; a command issued before this loop starts (the main thread does not wait for
  // the buffers message to land) has already bumped it, and must still be served.
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, base + CTRL_SEQ, seen);
    seen = Atomics.load(ctrl, base + CTRL_SEQ);
    const command = Atomics.load(ctrl, base + CTRL_CMD);
    try {
      beforeCommand?.();
      if (command === Command.RESET) {
        const args = deserialize(Buffer.from(message.subarray(0, Atomics.load(ctrl, base + CTRL_LEN)))) as ResetArgs;
        reply(Status.OK, reset(args));
      } else if (command === Command.STEP) {
        reply(Status.OK, step());
      } else {
        for (const env of envs) env.close();
        reply(Status.OK, null);
      }
    } catch (err) {
      reply(Status.ERROR, serializeError(err));
    }
    Atomics.store(ctrl, base + CTRL_DONE, seen);
    Atomics.notify(ctrl, base + CTRL_DONE);
    if (command === Command.CLOSE) return;
  }
}

await start();
