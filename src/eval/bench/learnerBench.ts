/**
 * Learner benchmark: how long the reference network (`src/nn/referenceNet.ts`) takes for one
 * forward pass and for one Adam training step (MSE loss) on a batch, on the active backend.
 * Each phase runs `warmup` untimed times first (kernel set-up, XNNPACK operator creation, heap
 * growth), then `iters` timed times; the result is the median, in milliseconds of wall time.
 * The same measurement in PyTorch is `src/eval/bench/reference_pytorch.py`.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../nn/backend.js';
import { buildReferenceNet, REFERENCE_INPUT_SHAPE, REFERENCE_OUTPUT_SIZE } from '../../nn/referenceNet.js';

export interface LearnerBenchConfig {
  /** Samples per batch. @default 256 */
  batch: number;
  /** Timed repetitions of each phase. @default 20 */
  iters: number;
  /** Untimed repetitions before timing. @default 3 */
  warmup: number;
  /** Seed of the weights and of the random batch. @default 0 */
  seed: number;
}

export const DEFAULT_LEARNER_BENCH: LearnerBenchConfig = { batch: 256, iters: 20, warmup: 3, seed: 0 };

export interface LearnerBenchResult {
  backend: string;
  /** Threads the backend computed with. */
  threads: number;
  batch: number;
  /** Median wall time of `model.predict` on the batch, read back to JS (ms). */
  forwardMs: number;
  /** Median wall time of one Adam step: forward, MSE loss, backward, update, loss read back (ms). */
  trainStepMs: number;
  iters: number;
  warmup: number;
}

export async function runLearnerBench(config: Partial<LearnerBenchConfig> = {}): Promise<LearnerBenchResult> {
  const { batch, iters, warmup, seed } = { ...DEFAULT_LEARNER_BENCH, ...config };
  const { backend, threads } = await initBackend();
  const model = buildReferenceNet(seed);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([batch, ...REFERENCE_INPUT_SHAPE], 0, 1, 'float32', seed + 1);
  const y = tf.randomNormal([batch, REFERENCE_OUTPUT_SIZE], 0, 1, 'float32', seed + 2);

  const forward = (): void => {
    const out = model.predict(x, { batchSize: batch }) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };
  const trainStep = (): void => {
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor), true);
    loss?.dataSync();
    loss?.dispose();
  };

  try {
    const forwardMs = medianMs(forward, warmup, iters);
    const trainStepMs = medianMs(trainStep, warmup, iters);
    return { backend, threads, batch, forwardMs: round2(forwardMs), trainStepMs: round2(trainStepMs), iters, warmup };
  } finally {
    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

function medianMs(fn: () => void, warmup: number, iters: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times = new Float64Array(iters);
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    fn();
    times[i] = performance.now() - t0;
  }
  times.sort();
  const mid = iters >> 1;
  return iters % 2 === 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
