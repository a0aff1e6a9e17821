/**
 * The worker side of `runPoliciesBench`: makes one env, loads every policy, runs each policy on its
 * slice of the episodes and posts the per-episode results (and the top-down paths of the episodes
 * asked for) back in one message. Errors go back by name and message, so a UsageError raised here
 * (an incompatible policy) is still a UsageError in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSlice, type SliceTask, type WorkerReply } from './policiesBench.js';

const port = parentPort!;

try {
  const output = await runSlice(workerData as SliceTask, () => port.postMessage({ type: 'progress' } satisfies WorkerReply));
  port.postMessage({ type: 'done', ...output } satisfies WorkerReply);
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  port.postMessage({ type: 'error', name: e.name, message: e.message, stack: e.stack } satisfies WorkerReply);
}
