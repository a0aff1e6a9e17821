/**
 * CNN pretraining: the agents' image encoder (`encodeBox` from `src/nn/encoders.ts`, the very layers
 * a policy builds) with a convolutional decoder head, trained on a collected dataset for one task:
 *
 * | task        | input      | target                      | loss          | val metric (baseline)                     |
 * |-------------|------------|-----------------------------|---------------|-------------------------------------------|
 * | autoencoder | rgb/depth  | the input, scaled to [0, 1] | MSE           | MSE, [0,1] units (the train mean image)   |
 * | depth       | rgb        | log depth (m)               | L1            | abs-rel error (best constant for abs-rel) |
 * | semantic    | rgb        | category id per pixel       | cross-entropy | mIoU (every pixel the majority class)     |
 *
 * Decoder: dense → [h₀, w₀, 64] → (conv2dTranspose 4×4/2 + ReLU) until the frame size → conv 3×3 to the
 * output channels. The encoder is saved alone (`encoder/`) so `robonav train --encoder` can load it.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { Box } from '../core/spaces.js';
import { fieldTensor, splitEpisodesBySeed, type BatchOptions, type FrameBatch, type ShardReader } from './dataset/ShardReader.js';
import { DEFAULT_ACTOR_CRITIC } from '../nn/ActorCritic.js';
import { encodeBox, type CnnKind } from '../nn/encoders.js';
import { applyInit, GAIN } from '../nn/init.js';
import { saveModel } from '../nn/fileIO.js';
import { PRETRAIN_VERSION, writeManifest } from './pretrained.js';

/** What a CNN encoder can be pretrained on: reconstructing its input, or predicting depth or semantics from RGB. */
export const CNN_TASKS = ['autoencoder', 'depth', 'semantic'] as const;
/** One of `CNN_TASKS`. */
export type CnnTask = (typeof CNN_TASKS)[number];

export interface CnnTrainOptions {
  task: CnnTask;
  /** Encoder input field (the depth and semantic tasks read rgb). @default 'rgb' */
  input: 'rgb' | 'depth';
  /** Encoder architecture, as in `ActorCriticConfig.cnn`. @default 'auto' */
  cnn: CnnKind;
  /** Gradient updates. @default 2000 */
  steps: number;
  /** Frames per update. @default 32 */
  batchSize: number;
  /** Adam learning rate. @default 1e-3 */
  learningRate: number;
  /** Updates between validation passes (also one at the end). @default 500 */
  evalEvery: number;
  /** Validation frames per pass (the first ones, in recorded order). @default 1024 */
  valFrames: number;
  seed: number;
  log?: (line: string) => void;
}

export const DEFAULT_CNN_TRAIN: Omit<CnnTrainOptions, 'task' | 'log'> = {
  input: 'rgb',
  cnn: 'auto',
  steps: 2000,
  batchSize: 32,
  learningRate: 1e-3,
  evalEvery: 500,
  valFrames: 1024,
  seed: 0,
};

/** Validation figures of one pass: the model's and the trivial baseline's. */
export interface CnnMetrics {
  /** autoencoder: MSE; depth: abs-rel; semantic: mIoU. */
  metric: 'mse' | 'absRel' | 'mIoU';
  value: number;
  baseline: number;
  /** Secondary figures: depth RMSE (m), semantic pixel accuracy. */
  extra: Record<string, number>;
  frames: number;
}

/** The outcome of a CNN pretraining run: the last validation metrics, the history and the time taken (s). */
export interface CnnRunResult {
  task: CnnTask;
  steps: number;
  /** The last validation pass. */
  val: CnnMetrics;
  /** Every validation pass, with the mean training loss since the previous one. */
  history: Array<{ step: number; loss: number; value: number }>;
  seconds: number;
}

/** The Box of a dataset field: its shape and dtype, with the bounds of `index.json` meta.bounds, else its natural range. */
export function fieldBox(reader: ShardReader, name: string): Box {
  const field = reader.field(name);
  const bounds = (reader.index.meta.bounds as Record<string, [number, number]> | undefined)?.[name];
  const dtype = field.dtype === 'uint8' ? 'uint8' : 'float32';
  if (Array.isArray(bounds) && bounds.length === 2 && bounds[0] < bounds[1]) return new Box(bounds[0], bounds[1], field.shape, dtype);
  return dtype === 'uint8' ? new Box(0, 255, field.shape, 'uint8') : new Box(0, 10, field.shape);
}

/** Number of doublings from the decoder's seed grid to the frame (seed sides ≥ 4). */
function doublings(h: number, w: number): number {
  let k = 0;
  while (h % 2 === 0 && w % 2 === 0 && h / 2 >= 4 && w / 2 >= 4) {
    h /= 2;
    w /= 2;
    k++;
  }
  return k;
}

/** Decoder: features [B, F] → [B, H, W, channels] logits. */
export function buildDecoder(featureSize: number, frame: readonly [number, number], channels: number, rng: Rng): tf.LayersModel {
  const [h, w] = frame;
  const k = doublings(h, w);
  const h0 = h >> k;
  const w0 = w >> k;
  const width = (level: number): number => Math.max(16, 64 >> Math.max(0, level - 1));
  const input = tf.input({ shape: [featureSize], name: 'features' });
  let y = applyInit(tf.layers.dense({ units: h0 * w0 * width(0), activation: 'relu' }), input, GAIN.hidden, rng);
  y = tf.layers.reshape({ targetShape: [h0, w0, width(0)] }).apply(y) as tf.SymbolicTensor;
  for (let level = 1; level <= k; level++) {
    y = applyInit(
      tf.layers.conv2dTranspose({ filters: width(level), kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
      y,
      GAIN.hidden,
      rng,
    );
  }
  y = applyInit(tf.layers.conv2d({ filters: channels, kernelSize: 3, padding: 'same' }), y, 1, rng);
  return tf.model({ inputs: input, outputs: y, name: 'decoder' });
}

/** Encoder + decoder for one task over a dataset's frames. */
export class CnnPretrainer {
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly inputBox: Box;
  /** Output channels: input channels (autoencoder), 1 (depth) or the number of categories. */
  readonly outChannels: number;
  /** Depth far plane (m) for the depth task's [0, 1] target. */
  readonly depthRange: number;
  private readonly optimizer: tf.Optimizer;

  constructor(
    readonly task: CnnTask,
    inputBox: Box,
    options: { cnn: CnnKind; learningRate: number; numClasses?: number; depthRange?: number },
    rng: Rng,
  ) {
    if (inputBox.shape.length !== 3) throw new UsageError(`pretrain cnn: the input must be an image [H, W, C], got [${inputBox.shape}]`);
    this.inputBox = inputBox;
    const [h, w, c] = inputBox.shape as [number, number, number];
    const x = tf.input({ shape: [h, w, c], name: 'obs' });
    const features = encodeBox(x, inputBox, { ...DEFAULT_ACTOR_CRITIC, cnn: options.cnn }, rng);
    this.encoder = tf.model({ inputs: x, outputs: features, name: 'encoder' });
    this.outChannels = task === 'autoencoder' ? c : task === 'depth' ? 1 : (options.numClasses ?? 0);
    if (this.outChannels < 1) throw new UsageError('pretrain cnn --task semantic: the dataset has no category ids');
    this.depthRange = options.depthRange ?? 10;
    this.decoder = buildDecoder(features.shape[1] as number, [h, w], this.outChannels, rng);
    this.optimizer = tf.train.adam(options.learningRate);
  }

  /**
   * Decoder output [B, H, W, outChannels]: [0, 1] images (sigmoid), log depth (ln m, linear), or
   * class logits. Depth is learnt in log space: an L1 error of ε in ln d is a relative error of about
   * ε, the quantity abs-rel scores, so near walls (small d) count as much as far ones.
   */
  predict(input: tf.Tensor4D, training = false): tf.Tensor4D {
    return tf.tidy(() => {
      const out = this.decoder.apply(this.encoder.apply(input, { training }), { training }) as tf.Tensor4D;
      return this.task === 'autoencoder' ? (tf.sigmoid(out) as tf.Tensor4D) : out;
    });
  }

  /** The loss of a batch (see the table in the file header). `target`: [0,1] images, depth (m), or ids. */
  loss(input: tf.Tensor4D, target: tf.Tensor): tf.Scalar {
    const out = this.predict(input, true);
    if (this.task === 'autoencoder') return tf.losses.meanSquaredError(target, out) as tf.Scalar;
    if (this.task === 'depth')
      return tf.losses.absoluteDifference(tf.log(tf.clipByValue(target, MIN_VALID_DEPTH, this.depthRange)), out) as tf.Scalar;
    const labels = tf.oneHot(tf.reshape(target, [-1]).toInt(), this.outChannels);
    return tf.losses.softmaxCrossEntropy(labels, tf.reshape(out, [-1, this.outChannels])) as tf.Scalar;
  }

  trainStep(input: tf.Tensor4D, target: tf.Tensor): number {
    const vars = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((v) => v.read() as tf.Variable);
    const loss = this.optimizer.minimize(() => this.loss(input, target), true, vars)!;
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizer.dispose();
  }
}

/** Tensors of a batch: encoder input (raw values) and the task target ([0, 1] image, depth in m, or category ids). */
function batchTensors(reader: ShardReader, batch: FrameBatch, task: CnnTask, input: string, box: Box): { x: tf.Tensor4D; y: tf.Tensor } {
  const x = fieldTensor(reader, batch, input) as tf.Tensor4D;
  let y: tf.Tensor;
  if (task === 'autoencoder')
    y = fieldTensor(reader, batch, input, { scale: 1 / (box.high[0]! - box.low[0]!), offset: -box.low[0]! / (box.high[0]! - box.low[0]!) });
  else if (task === 'depth') y = fieldTensor(reader, batch, 'depth');
  else y = fieldTensor(reader, batch, 'semantic');
  return { x, y };
}

/** Pixel statistics of the training frames that the baselines need: mean image, best constant depth, class counts. */
interface TrainStats {
  meanImage: Float32Array | null;
  /** The abs-rel-optimal constant depth (m): the 1/d-weighted median. */
  medianDepth: number;
  classCounts: Float64Array;
}

function trainStats(
  reader: ShardReader,
  task: CnnTask,
  input: string,
  box: Box,
  episodes: Set<number> | undefined,
  maxFrames: number,
): TrainStats {
  const stats: TrainStats = { meanImage: null, medianDepth: 0, classCounts: new Float64Array(256) };
  const field = task === 'autoencoder' ? input : task === 'depth' ? 'depth' : 'semantic';
  const size = reader.field(field).shape.reduce((a, b) => a * b, 1);
  const sum = new Float64Array(size);
  const depthSample: number[] = [];
  let frames = 0;
  for (const batch of reader.batches({ batchSize: 64, fields: [field], shuffle: true, seed: 99, episodes, keepRemainder: true })) {
    const values = batch.data[field]!;
    for (let b = 0; b < batch.size && frames < maxFrames; b++, frames++) {
      const offset = b * size;
      if (task === 'autoencoder') {
        const scale = 1 / (box.high[0]! - box.low[0]!);
        for (let i = 0; i < size; i++) sum[i]! += (values[offset + i]! - box.low[0]!) * scale;
      } else if (task === 'depth') {
        for (let i = 0; i < size; i += 7) depthSample.push(values[offset + i]!); // every 7th pixel: a large unbiased sample
      } else {
        for (let i = 0; i < size; i++) stats.classCounts[values[offset + i]!]!++;
      }
    }
    if (frames >= maxFrames) break;
  }
  if (frames === 0) throw new UsageError(`dataset ${reader.dir} has no training frames`);
  if (task === 'autoencoder') stats.meanImage = Float32Array.from(sum, (v) => v / frames);
  if (task === 'depth') {
    // The constant c minimising Σ|c − d|/d is the median of d weighted by 1/d: the best constant
    // under abs-rel, so the baseline is as strong as a constant can be.
    const valid = depthSample.filter((d) => d >= MIN_VALID_DEPTH).sort((a, b) => a - b);
    let total = 0;
    for (const d of valid) total += 1 / d;
    let acc = 0;
    stats.medianDepth = valid[valid.length - 1] ?? 1;
    for (const d of valid) {
      acc += 1 / d;
      if (acc >= total / 2) {
        stats.medianDepth = d;
        break;
      }
    }
  }
  return stats;
}

/** Pixels closer than this (m) are not scored by abs-rel: the ratio is meaningless there. */
const MIN_VALID_DEPTH = 0.05;

/** One validation pass over the first `valFrames` frames (recorded order) of the val set. */
function validate(
  model: CnnPretrainer,
  reader: ShardReader,
  episodes: Set<number> | undefined,
  input: string,
  stats: TrainStats,
  valFrames: number,
): CnnMetrics {
  const task = model.task;
  const field = task === 'autoencoder' ? input : task === 'depth' ? 'depth' : 'semantic';
  const k = model.outChannels;
  let sq = 0;
  let sqBase = 0;
  let absRel = 0;
  let absRelBase = 0;
  let depthSq = 0;
  let valid = 0;
  let correct = 0;
  let pixels = 0;
  const inter = new Float64Array(k);
  const union = new Float64Array(k);
  const present = new Float64Array(k);
  const majority = stats.classCounts.indexOf(Math.max(...stats.classCounts));
  let frames = 0;
  const options: BatchOptions = { batchSize: 64, fields: [...new Set([input, field])], shuffle: false, episodes, keepRemainder: true };
  for (const batch of reader.batches(options)) {
    if (frames >= valFrames) break;
    const { x, y } = batchTensors(reader, batch, task, input, model.inputBox);
    const out = model.predict(x);
    const pred = task === 'semantic' ? tf.tidy(() => out.argMax(-1)) : out;
    const p = pred.dataSync();
    const t = y.dataSync();
    tf.dispose([x, y, out, pred]);
    const size = t.length / batch.size;
    const n = Math.min(batch.size, valFrames - frames);
    for (let i = 0; i < n * size; i++) {
      if (task === 'autoencoder') {
        sq += (p[i]! - t[i]!) ** 2;
        sqBase += (stats.meanImage![i % size]! - t[i]!) ** 2;
      } else if (task === 'depth') {
        const gt = t[i]!;
        if (gt < MIN_VALID_DEPTH) continue;
        const d = Math.min(Math.max(Math.exp(p[i]!), MIN_VALID_DEPTH), model.depthRange);
        absRel += Math.abs(d - gt) / gt;
        absRelBase += Math.abs(stats.medianDepth - gt) / gt;
        depthSq += (d - gt) ** 2;
        valid++;
      } else {
        const gt = t[i]!;
        const guess = p[i]!;
        if (gt >= k) continue;
        present[gt]!++;
        if (guess === gt) {
          inter[gt]!++;
          union[gt]!++;
          correct++;
        } else {
          union[gt]!++;
          union[guess]!++;
        }
        pixels++;
      }
    }
    frames += n;
  }
  if (frames === 0) throw new UsageError(`validation set of ${reader.dir} is empty`);
  if (task === 'autoencoder') {
    const count = frames * model.inputBox.size;
    return { metric: 'mse', value: sq / count, baseline: sqBase / count, extra: {}, frames };
  }
  if (task === 'depth') {
    return {
      metric: 'absRel',
      value: absRel / Math.max(valid, 1),
      baseline: absRelBase / Math.max(valid, 1),
      extra: { rmse: Math.sqrt(depthSq / Math.max(valid, 1)) },
      frames,
    };
  }
  // mIoU over the classes present in the val ground truth; the majority baseline scores IoU only
  // on its class: |gt = m| / pixels.
  let iouSum = 0;
  let classes = 0;
  for (let c = 0; c < k; c++) {
    if (present[c]! === 0) continue;
    iouSum += inter[c]! / union[c]!;
    classes++;
  }
  const baseline = majority < k && present[majority]! > 0 ? present[majority]! / pixels / classes : 0;
  return {
    metric: 'mIoU',
    value: iouSum / Math.max(classes, 1),
    baseline,
    extra: { pixelAccuracy: correct / Math.max(pixels, 1), classes },
    frames,
  };
}

/**
 * Train encoder + decoder on `reader` (or its train scenes), validate on `val` (or the held-out
 * scenes), and write `out/encoder`, `out/decoder`, `out/pretrain.json`.
 */
export async function trainCnn(
  reader: ShardReader,
  val: ShardReader | null,
  out: string,
  options: Partial<CnnTrainOptions> & { task: CnnTask },
): Promise<CnnRunResult> {
  const opts: CnnTrainOptions = { ...DEFAULT_CNN_TRAIN, ...options };
  const started = Date.now();
  const input = opts.task === 'autoencoder' ? opts.input : 'rgb';
  for (const r of val ? [reader, val] : [reader]) {
    if (!r.hasField(input)) throw new UsageError(`dataset ${r.dir} has no ${input} frames (needed by --task ${opts.task})`);
    if (opts.task !== 'autoencoder' && !r.hasField(opts.task))
      throw new UsageError(`dataset ${r.dir} has no ${opts.task} frames (needed by --task ${opts.task})`);
  }
  let trainEpisodes: Set<number> | undefined;
  let valEpisodes: Set<number> | undefined;
  const valReader = val ?? reader;
  if (!val) {
    const split = splitEpisodesBySeed(reader.index.episodes);
    if (!reader.hasField('episode') || split.val.size === 0 || split.train.size === 0) {
      throw new UsageError(`dataset ${reader.dir} has fewer than two scenes to split into train and val; pass --val DIR`);
    }
    trainEpisodes = split.train;
    valEpisodes = split.val;
  }
  const box = fieldBox(reader, input);
  const depthRange = reader.hasField('depth') ? fieldBox(reader, 'depth').high[0]! : 10;
  const stats = trainStats(reader, opts.task, input, box, trainEpisodes, 4096);
  let numClasses: number | undefined;
  if (opts.task === 'semantic') {
    let top = 0;
    stats.classCounts.forEach((c, i) => {
      if (c > 0) top = i;
    });
    numClasses = top + 1;
  }
  const rng = new Rng(opts.seed);
  const model = new CnnPretrainer(opts.task, box, { cnn: opts.cnn, learningRate: opts.learningRate, numClasses, depthRange }, rng);
  const fields = [...new Set([input, opts.task === 'autoencoder' ? input : opts.task])];
  const batches = reader.batches({ batchSize: opts.batchSize, fields, seed: opts.seed, epochs: Infinity, episodes: trainEpisodes });
  const history: CnnRunResult['history'] = [];
  let lossSum = 0;
  let since = 0;
  let last: CnnMetrics | null = null;
  for (let step = 1; step <= opts.steps; step++) {
    const next = batches.next();
    if (next.done) throw new UsageError(`dataset ${reader.dir} has fewer training frames than one batch (${opts.batchSize})`);
    const { x, y } = batchTensors(reader, next.value, opts.task, input, box);
    lossSum += model.trainStep(x, y);
    since++;
    tf.dispose([x, y]);
    if (step % opts.evalEvery === 0 || step === opts.steps) {
      last = validate(model, valReader, valEpisodes, input, stats, opts.valFrames);
      history.push({ step, loss: lossSum / since, value: last.value });
      opts.log?.(
        `step ${step}  loss ${(lossSum / since).toFixed(4)}  val ${last.metric} ${last.value.toFixed(4)}  (baseline ${last.baseline.toFixed(4)})`,
      );
      lossSum = 0;
      since = 0;
    }
  }
  const result: CnnRunResult = { task: opts.task, steps: opts.steps, val: last!, history, seconds: (Date.now() - started) / 1000 };
  await saveModel(model.encoder, join(out, 'encoder'));
  await saveModel(model.decoder, join(out, 'decoder'));
  writeManifest(out, {
    version: PRETRAIN_VERSION,
    kind: 'cnn',
    field: input,
    inputShape: [...box.shape],
    inputSpace: box.toJSON(),
    data: reader.dir,
    valData: valReader.dir,
    train: { ...opts, log: undefined },
    ...result,
  });
  model.dispose();
  return result;
}
