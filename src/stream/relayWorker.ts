/**
 * The episode relay as a worker env wrapper (see `WorkerEnvWrapper` in envs/vector/): inside the
 * worker, `wrapWorkerEnv` puts an EpisodeStreamer on the env whose `RelaySink` posts to the main
 * thread; on the main thread, `RelayedEpisodes` reads the vector env's `wrapperChannel`.
 *
 *   const venv = await WorkerVectorEnv.create('PointNav-v0', { numEnvs: 8, wrapper: relayedEnv(0) });
 *   const episodes = new RelayedEpisodes(venv);
 */
import type { WorkerEnvWrapper, WrapWorkerEnv } from '../../envs/vector/workerProtocol.js';
import { streamerFor } from './EpisodeStreamer.js';
import { RelaySink, STREAM_WORDS } from './RelaySink.js';

interface RelayOptions {
  /** The task name scene messages carry; by default the registry id. */
  task?: string;
}

/** The `wrapper` option of `WorkerVectorEnv.create` that relays env `env`'s episodes to the main thread. */
export function relayedEnv(env: number, options: RelayOptions = {}): WorkerEnvWrapper {
  return { env, module: new URL('./relayWorker.js', import.meta.url).href, controlWords: STREAM_WORDS, options };
}

/** Runs in the worker that owns the relayed env. */
export const wrapWorkerEnv: WrapWorkerEnv = (env, { id, options, port, control }) => {
  const streamer = streamerFor(env, { task: (options as RelayOptions).task ?? id });
  const relay = new RelaySink(streamer, port, control);
  return { env: streamer.wrap(env), beforeCommand: () => relay.answerSync() };
};
