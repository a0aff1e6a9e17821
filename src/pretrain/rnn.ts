/**
 * RNN pretraining: a sequence model over camera frames and actions, built on the agents' recurrent
 * core (`RecurrentCore` from `src/nn/cores.ts`):
 *
 *   f_t = E(o_t)                          frozen encoder: a pretrained one (--encoder) or a fixed seeded one
 *   h_t = core(f_t, h_{t−1})              GRU or LSTM, state zeroed at the window start
 *   [f̂_{t+1}, Δ̂_t] = W [h_t, a_t] + b     one dense head, conditioned on the action taken from o_t
 *
 * Targets: the next frame's features f_{t+1} and the odometry change from pose_t to pose_{t+1} in
 * the robot frame of pose_t — Δx forward (m), Δy to the left (m), Δθ (rad, + = left turn). Losses are
 * MSEs normalised by the training targets' variances, so both terms weigh alike.
 *
 * The core reads features only (the action enters the head), so its input weights are tuned to this
 * encoder's features: `robonav train --core` copies them only into a policy that reads the same
 * features (one image observation, its encoder started from `out/encoder` with `--encoder`), and
 * otherwise the recurrent weights and biases alone (`applyPretrainedCore`). The encoder has the
 * policy's architecture (`cnn` as `network.cnn`) so that such a match is possible.
 *
 * Baselines on validation: constant motion (Δ̂_t = Δ_{t−1}) for odometry, "nothing changes"
 * (f̂_{t+1} = f_t) for the latent. Both are scored on steps t ≥ 1 of each window, as the model is.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { splitEpisodesBySeed, type FrameBatch, type ShardReader } from './dataset/ShardReader.js';
import { fieldBox } from './cnn.js';
import { RecurrentCore, type CoreKind } from '../nn/cores.js';
import { DEFAULT_ACTOR_CRITIC } from '../nn/ActorCritic.js';
import { encodeBox, type CnnKind } from '../nn/encoders.js';
import { applyInit, GAIN } from '../nn/init.js';
import { loadModel, saveModel } from '../nn/fileIO.js';
import { PRETRAIN_VERSION, readManifest, writeManifest } from './pretrained.js';

export interface RnnTrainOptions {
  /** A `robonav pretrain` output whose encoder is used (frozen); null = a fixed seeded encoder. */
  encoder: string | null;
  core: CoreKind;
  /** Hidden units of the core. @default 128 (the agents' default core size) */
  coreSize: number;
  /** Frames the encoder reads (ignored when `encoder` is given: its field is used). @default 'rgb' */
  input: 'rgb' | 'depth';
  /** Architecture of the fixed seeded encoder, as the policy's `network.cnn` (ignored with `encoder`). @default 'auto' */
  cnn: CnnKind;
  /** Transitions per window (frames = seqLen + 1). @default 16 */
  seqLen: number;
  /** @default 1000 */
  steps: number;
  /** Windows per update. @default 16 */
  batchSize: number;
  /** Adam learning rate. @default 1e-3 */
  learningRate: number;
  /** @default 250 */
  evalEvery: number;
  /** Validation windows per pass. @default 256 */
  valWindows: number;
  seed: number;
  log?: (line: string) => void;
}

export const DEFAULT_RNN_TRAIN: Omit<RnnTrainOptions, 'log'> = {
  encoder: null,
  core: 'gru',
  coreSize: 128,
  input: 'rgb',
  cnn: DEFAULT_ACTOR_CRITIC.cnn,
  seqLen: 16,
  steps: 1000,
  batchSize: 16,
  learningRate: 1e-3,
  evalEvery: 250,
  valWindows: 256,
  seed: 0,
};

/** Validation figures: root-mean-square errors of the model and the baselines. */
export interface RnnMetrics {
  /** RMSE of [Δx (m), Δy (m), Δθ (rad)]. */
  odometryRmse: [number, number, number];
  constantMotionRmse: [number, number, number];
  /** MSE of the next-step features, and of predicting "no change". */
  latentMse: number;
  copyLatentMse: number;
  windows: number;
}

/** The outcome of an RNN pretraining run: validation metrics, the history (with odometry RMSE) and the time taken (s). */
export interface RnnRunResult {
  steps: number;
  core: CoreKind;
  val: RnnMetrics;
  history: Array<{ step: number; loss: number; odometryRmse: [number, number, number] }>;
  seconds: number;
}

/** Odometry change from pose a to pose b (x, z, yaw) in a's robot frame: [forward m, left m, Δyaw rad]. */
export function odometry(ax: number, az: number, ayaw: number, bx: number, bz: number, byaw: number, out: Float32Array, offset = 0): void {
  // Forward at yaw θ is (cos θ, −sin θ) in (x, z); left is forward turned +90°: (−sin θ, −cos θ).
  const dx = bx - ax;
  const dz = bz - az;
  const c = Math.cos(ayaw);
  const s = Math.sin(ayaw);
  out[offset] = dx * c - dz * s;
  out[offset + 1] = -dx * s - dz * c;
  let dyaw = byaw - ayaw;
  dyaw -= 2 * Math.PI * Math.round(dyaw / (2 * Math.PI));
  out[offset + 2] = dyaw;
}

/** A recurrent core trained over frozen frame features to predict the next features and the odometry (m, rad). */
export class RnnPretrainer {
  readonly core: RecurrentCore;
  /** [h, action] → [next features, Δx, Δy, Δθ] (normalised units). */
  readonly head: tf.LayersModel;
  private readonly optimizer: tf.Optimizer;

  constructor(
    readonly featureSize: number,
    readonly actionSize: number,
    kind: CoreKind,
    coreSize: number,
    learningRate: number,
    rng: Rng,
  ) {
    this.core = new RecurrentCore(kind, featureSize, coreSize, rng);
    const h = tf.input({ shape: [coreSize], name: 'h' });
    const a = tf.input({ shape: [actionSize], name: 'action' });
    const joined = tf.layers.concatenate().apply([h, a]) as tf.SymbolicTensor;
    const out = applyInit(tf.layers.dense({ units: featureSize + 3 }), joined, GAIN.value, rng);
    this.head = tf.model({ inputs: [h, a], outputs: out, name: 'rnn_head' });
    this.optimizer = tf.train.adam(learningRate);
  }

  /**
   * Predictions for time-major inputs: `features` [T·B, F], `actions` [T·B, A], with the state zeroed
   * at t = 0. Returns [T·B, F + 3].
   */
  predict(features: tf.Tensor2D, actions: tf.Tensor2D, batch: number): tf.Tensor2D {
    return tf.tidy(() => {
      const steps = features.shape[0] / batch;
      const starts = tf.concat([tf.ones([1, batch]), tf.zeros([steps - 1, batch])], 0) as tf.Tensor2D;
      const { outputs } = this.core.unroll(features, this.core.zeroState(batch), starts);
      return this.head.apply([outputs, actions]) as tf.Tensor2D;
    });
  }

  /** One update; `targets` [T·B, F + 3] already divided by each column's training RMS. */
  trainStep(features: tf.Tensor2D, actions: tf.Tensor2D, targets: tf.Tensor2D, batch: number): number {
    const vars = [...this.core.model.trainableWeights, ...this.head.trainableWeights].map((v) => v.read() as tf.Variable);
    const featureSize = this.featureSize;
    const loss = this.optimizer.minimize(
      () => {
        const err = tf.square(tf.sub(this.predict(features, actions, batch), targets));
        // Latent and odometry terms each averaged over their own columns, then summed.
        const [lat, odo] = tf.split(err, [featureSize, 3], 1);
        return tf.add(tf.mean(lat!), tf.mean(odo!)) as tf.Scalar;
      },
      true,
      vars,
    )!;
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  }

  dispose(): void {
    this.core.model.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}

/** A window batch turned into time-major model inputs and raw targets. */
interface Prepared {
  features: tf.Tensor2D; // [T·B, F] frames 0..T−1
  actions: tf.Tensor2D; // [T·B, A]
  next: Float32Array; // [T·B, F] features of frames 1..T
  odo: Float32Array; // [T·B, 3]
}

function prepare(
  encoder: tf.LayersModel,
  reader: ShardReader,
  batch: FrameBatch,
  input: string,
  actionSize: number,
  actionStart: number,
  discrete: boolean,
): Prepared {
  const b = batch.size;
  const frames = batch.length; // T + 1
  const steps = frames - 1;
  const shape = reader.field(input).shape;
  const feats = tf.tidy(() => {
    const x = tf.tensor(batch.data[input]!, [b * frames, ...shape], 'float32');
    return encoder.predict(x) as tf.Tensor2D;
  });
  const f = feats.dataSync() as Float32Array;
  feats.dispose();
  const dim = f.length / (b * frames);
  const features = new Float32Array(steps * b * dim);
  const next = new Float32Array(steps * b * dim);
  const actions = new Float32Array(steps * b * actionSize);
  const odo = new Float32Array(steps * b * 3);
  const pose = batch.data.pose!;
  const action = batch.data.action!;
  const actionWidth = discrete ? 1 : actionSize;
  for (let i = 0; i < b; i++) {
    for (let t = 0; t < steps; t++) {
      const row = t * b + i; // time-major
      const src = i * frames + t; // batch-major, as the reader lays windows out
      features.set(f.subarray(src * dim, (src + 1) * dim), row * dim);
      next.set(f.subarray((src + 1) * dim, (src + 2) * dim), row * dim);
      if (discrete) {
        const a = action[src * actionWidth]! - actionStart;
        if (a >= 0 && a < actionSize) actions[row * actionSize + a] = 1;
      } else {
        for (let k = 0; k < actionSize; k++) actions[row * actionSize + k] = action[src * actionWidth + k]!;
      }
      odometry(
        pose[src * 3]!,
        pose[src * 3 + 1]!,
        pose[src * 3 + 2]!,
        pose[(src + 1) * 3]!,
        pose[(src + 1) * 3 + 1]!,
        pose[(src + 1) * 3 + 2]!,
        odo,
        row * 3,
      );
    }
  }
  return { features: tf.tensor2d(features, [steps * b, dim]), actions: tf.tensor2d(actions, [steps * b, actionSize]), next, odo };
}

/** Targets [T·B, F + 3] divided by each column's training RMS (signs kept, no centring). */
function targetTensor(p: Prepared, dim: number, invStd: Float32Array): tf.Tensor2D {
  const rows = p.odo.length / 3;
  const out = new Float32Array(rows * (dim + 3));
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < dim; k++) out[r * (dim + 3) + k] = p.next[r * dim + k]! * invStd[k]!;
    for (let k = 0; k < 3; k++) out[r * (dim + 3) + dim + k] = p.odo[r * 3 + k]! * invStd[dim + k]!;
  }
  return tf.tensor2d(out, [rows, dim + 3]);
}

/**
 * Train the sequence model on windows of `reader` (its train scenes when `val` is null), validate on
 * `val` (or the held-out scenes), and write `out/core`, `out/head`, `out/encoder`, `out/pretrain.json`.
 */
export async function trainRnn(
  reader: ShardReader,
  val: ShardReader | null,
  out: string,
  options: Partial<RnnTrainOptions>,
): Promise<RnnRunResult> {
  const opts: RnnTrainOptions = { ...DEFAULT_RNN_TRAIN, ...options };
  const started = Date.now();
  const rng = new Rng(opts.seed);

  // ── encoder (frozen) ──
  let encoder: tf.LayersModel;
  let input: string = opts.input;
  if (opts.encoder) {
    const manifest = readManifest(opts.encoder);
    input = manifest.field;
    encoder = await loadModel(join(opts.encoder, 'encoder'));
  } else {
    if (!reader.hasField(input)) throw new UsageError(`dataset ${reader.dir} has no ${input} frames (--input)`);
    const box = fieldBox(reader, input);
    const x = tf.input({ shape: [...box.shape], name: 'obs' });
    encoder = tf.model({
      inputs: x,
      outputs: encodeBox(x, box, { ...DEFAULT_ACTOR_CRITIC, cnn: opts.cnn }, new Rng(opts.seed + 7)),
      name: 'encoder',
    });
  }
  for (const r of val ? [reader, val] : [reader]) {
    for (const name of [input, 'pose', 'action', 'episode'])
      if (!r.hasField(name)) throw new UsageError(`dataset ${r.dir} has no "${name}" field (record it with robonav collect)`);
    if (r.field(input).shape.join() !== encoder.inputs[0]!.shape.slice(1).join()) {
      throw new UsageError(
        `dataset ${r.dir} frames [${r.field(input).shape}] do not fit the encoder input [${encoder.inputs[0]!.shape.slice(1)}]`,
      );
    }
  }
  const featureSize = encoder.outputs[0]!.shape[1] as number;
  const actionField = reader.field('action');
  const discrete = actionField.dtype === 'int32';
  // Discrete actions become one-hot vectors over the recorded space (Discrete(n, start)).
  const recorded = reader.index.meta.actionSpace as { n?: number; start?: number } | undefined;
  const actionSize = discrete ? (recorded?.n ?? 4) : actionField.shape[0]!;
  const actionStart = discrete ? (recorded?.start ?? 0) : 0;

  // ── scenes ──
  let trainEpisodes: Set<number> | undefined;
  let valEpisodes: Set<number> | undefined;
  if (!val) {
    const split = splitEpisodesBySeed(reader.index.episodes);
    if (split.val.size === 0 || split.train.size === 0)
      throw new UsageError(`dataset ${reader.dir} has fewer than two scenes to split into train and val; pass --val DIR`);
    trainEpisodes = split.train;
    valEpisodes = split.val;
  }
  const valReader = val ?? reader;
  const fields = [input, 'pose', 'action'];
  const windowOptions = { length: opts.seqLen + 1, fields };

  // ── target scales from a few training batches ──
  const sumSq = new Float64Array(featureSize + 3);
  let rows = 0;
  let seen = 0;
  for (const batch of reader.windows({ ...windowOptions, batchSize: opts.batchSize, seed: opts.seed + 3, episodes: trainEpisodes })) {
    const p = prepare(encoder, reader, batch, input, actionSize, actionStart, discrete);
    tf.dispose([p.features, p.actions]);
    const n = p.odo.length / 3;
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < featureSize; k++) sumSq[k]! += p.next[r * featureSize + k]! ** 2;
      for (let k = 0; k < 3; k++) sumSq[featureSize + k]! += p.odo[r * 3 + k]! ** 2;
    }
    rows += n;
    if (++seen === 8) break;
  }
  if (rows === 0)
    throw new UsageError(`dataset ${reader.dir} has no training window of ${opts.seqLen + 1} frames within one episode; lower --seq-len`);
  // Root mean square per column as the unit of each target, floored at a tenth of the mean RMS of
  // its group (features, odometry): a feature that is almost always 0 (a ReLU unit that rarely
  // fires) would otherwise be scaled up 1000× and its rare activations would dominate the loss.
  const rms = Array.from(sumSq, (s) => Math.sqrt(s / rows));
  const meanRms = (from: number, to: number): number => rms.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
  const floors = [0.1 * meanRms(0, featureSize), 0.1 * meanRms(featureSize, featureSize + 3)];
  const invStd = Float32Array.from(rms, (r, k) => 1 / Math.max(r, floors[k < featureSize ? 0 : 1]!, 1e-6));

  const model = new RnnPretrainer(featureSize, actionSize, opts.core, opts.coreSize, opts.learningRate, rng);
  const validate = (): RnnMetrics => {
    const sq = new Float64Array(3);
    const base = new Float64Array(3);
    let latent = 0;
    let copy = 0;
    let count = 0;
    let windows = 0;
    for (const batch of valReader.windows({
      ...windowOptions,
      batchSize: Math.min(opts.batchSize, opts.valWindows),
      shuffle: false,
      episodes: valEpisodes,
      keepRemainder: true,
    })) {
      const p = prepare(encoder, valReader, batch, input, actionSize, actionStart, discrete);
      const pred = model.predict(p.features, p.actions, batch.size);
      const y = pred.dataSync();
      const prev = p.features.dataSync();
      tf.dispose([pred, p.features, p.actions]);
      const b = batch.size;
      const steps = batch.length - 1;
      for (let t = 1; t < steps; t++) {
        for (let i = 0; i < b; i++) {
          const row = t * b + i;
          for (let k = 0; k < 3; k++) {
            const truth = p.odo[row * 3 + k]!;
            sq[k]! += (y[row * (featureSize + 3) + featureSize + k]! / invStd[featureSize + k]! - truth) ** 2;
            base[k]! += (p.odo[(row - b) * 3 + k]! - truth) ** 2;
          }
          for (let k = 0; k < featureSize; k++) {
            const truth = p.next[row * featureSize + k]!;
            latent += (y[row * (featureSize + 3) + k]! / invStd[k]! - truth) ** 2;
            copy += (prev[row * featureSize + k]! - truth) ** 2;
          }
          count++;
        }
      }
      windows += b;
      if (windows >= opts.valWindows) break;
    }
    if (count === 0)
      throw new UsageError(`validation set of ${valReader.dir} has no window of ${opts.seqLen + 1} frames within one episode`);
    const rmse = (a: Float64Array): [number, number, number] => [
      Math.sqrt(a[0]! / count),
      Math.sqrt(a[1]! / count),
      Math.sqrt(a[2]! / count),
    ];
    return {
      odometryRmse: rmse(sq),
      constantMotionRmse: rmse(base),
      latentMse: latent / (count * featureSize),
      copyLatentMse: copy / (count * featureSize),
      windows,
    };
  };

  // ── training ──
  const batches = reader.windows({
    ...windowOptions,
    batchSize: opts.batchSize,
    seed: opts.seed,
    epochs: Infinity,
    episodes: trainEpisodes,
  });
  const history: RnnRunResult['history'] = [];
  let lossSum = 0;
  let since = 0;
  let last: RnnMetrics | null = null;
  for (let step = 1; step <= opts.steps; step++) {
    const next = batches.next();
    if (next.done) throw new UsageError(`dataset ${reader.dir} has no training window of ${opts.seqLen + 1} frames within one episode`);
    const p = prepare(encoder, reader, next.value, input, actionSize, actionStart, discrete);
    const targets = targetTensor(p, featureSize, invStd);
    lossSum += model.trainStep(p.features, p.actions, targets, next.value.size);
    since++;
    tf.dispose([p.features, p.actions, targets]);
    if (step % opts.evalEvery === 0 || step === opts.steps) {
      last = validate();
      history.push({ step, loss: lossSum / since, odometryRmse: last.odometryRmse });
      const fmt = (v: number[]): string => v.map((x) => x.toFixed(4)).join('/');
      opts.log?.(
        `step ${step}  loss ${(lossSum / since).toFixed(4)}  odometry rmse ${fmt(last.odometryRmse)} (constant motion ${fmt(last.constantMotionRmse)})  latent mse ${last.latentMse.toFixed(4)} (copy ${last.copyLatentMse.toFixed(4)})`,
      );
      lossSum = 0;
      since = 0;
    }
  }
  const result: RnnRunResult = { steps: opts.steps, core: opts.core, val: last!, history, seconds: (Date.now() - started) / 1000 };
  await saveModel(model.core.model, join(out, 'core'));
  await saveModel(model.head, join(out, 'head'));
  await saveModel(encoder, join(out, 'encoder'));
  writeManifest(out, {
    version: PRETRAIN_VERSION,
    kind: 'rnn',
    field: input,
    inputShape: encoder.inputs[0]!.shape.slice(1) as number[],
    actionSize,
    data: reader.dir,
    valData: valReader.dir,
    train: { ...opts, log: undefined },
    ...result,
    core: { kind: opts.core, size: opts.coreSize, inputSize: featureSize },
  });
  encoder.dispose();
  model.dispose();
  return result;
}
