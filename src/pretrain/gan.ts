/**
 * DCGAN (Radford et al. 2016) for camera frames.
 *
 * Generator: z [latentDim] → dense → [4, 4, w] → BN → ReLU → (conv2dTranspose 4×4/2 → BN → ReLU)…
 *   → conv2dTranspose 4×4/2 to C channels → tanh; channels halve at each doubling of resolution,
 *   so the image side must be 4·2^k (64 for the agents' 64×64 frames).
 * Discriminator: images in [−1, 1] → mapped to [0, 1] → strided convs with LeakyReLU(0.2), no
 *   pooling → one logit. Two trunks:
 *   - 'dcgan' (default): the paper's, conv 4×4/2 with `discriminatorWidth`·(1, 2, 4, 8) channels,
 *     batch norm after all but the first, down to 4×4. Strong enough to keep the generator honest.
 *   - 'encoder': exactly the layer shapes of the agents' image encoder (`src/nn/encoders.ts`,
 *     'auto': Nature CNN 16 8×8/4 → 32 4×4/2 → 32 3×3/1 → dense 256 for sides ≥ 36 px, else the
 *     small CNN), without batch norm, so `encoderModel()` can initialise a policy's encoder
 *     (`robonav train --encoder`). It is a weak critic: the 8×8/4 first conv is blind to patterns
 *     at its stride, and the generator learns checkerboards it cannot see (measured: docs/results.md).
 * Training: Adam(2e-4, β1 = 0.5) for both nets, one discriminator and one generator step per
 *   batch, one-sided label smoothing (real target 0.9, fake target 0; Salimans et al. 2016),
 *   non-saturating generator loss −log D(G(z)). Weights start N(0, 0.02) as in the paper.
 * Noise comes from the seeded `Rng`, so one seed gives the same run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/Rng.js';
import { fieldTensor, splitEpisodesBySeed, type ShardReader } from './dataset/ShardReader.js';
import { NATURE_MIN_SIDE } from '../nn/encoders.js';
import { FrechetEncoder, type Gaussian, frechetDistance } from './frechet.js';
import { loadModel, saveModel } from '../nn/fileIO.js';
import { writeFileAtomicSync } from '../core/atomicWrite.js';
import { PRETRAIN_VERSION, writeManifest } from './pretrained.js';

/** The DCGAN's architecture and optimiser settings. */
export interface GanConfig {
  /** Size of the noise vector z. @default 100 */
  latentDim: number;
  /** Generator channels at 4×4; halved at each upsampling (min 8). @default 128 */
  generatorWidth: number;
  /** Adam learning rate of both nets. @default 2e-4 */
  learningRate: number;
  /** Adam β1 of both nets (0.5 keeps the momentum from overshooting the adversarial game). @default 0.5 */
  beta1: number;
  /** Target of real images for the discriminator (one-sided smoothing; fakes stay 0). @default 0.9 */
  realLabel: number;
  /** Slope of LeakyReLU for negative inputs. @default 0.2 */
  leak: number;
  /** Discriminator trunk: the DCGAN paper's, or the agents' encoder shapes (transferable). @default 'dcgan' */
  discriminator: 'dcgan' | 'encoder';
  /** Channels of the first 'dcgan' discriminator conv; doubled at each halving. @default 32 */
  discriminatorWidth: number;
}

/** The DCGAN paper's settings: z of 100, Adam 2e-4 with β1 0.5, LeakyReLU 0.2, one-sided label smoothing 0.9. */
export const DEFAULT_GAN: GanConfig = {
  latentDim: 100,
  generatorWidth: 128,
  learningRate: 2e-4,
  beta1: 0.5,
  realLabel: 0.9,
  leak: 0.2,
  discriminator: 'dcgan',
  discriminatorWidth: 32,
};

export interface GanStepResult {
  /** Discriminator loss: BCE on reals (smoothed target) + BCE on fakes. */
  dLoss: number;
  /** Generator loss: BCE of D(G(z)) against 1. */
  gLoss: number;
  /** Mean D output (probability) on reals and on fakes, before the update. */
  dReal: number;
  dFake: number;
}

/** N(0, std) kernels, zero biases, BN γ = 1, β = 0 (the DCGAN paper's initialisation). */
function initNormal(model: tf.LayersModel, std: number, rng: Rng): void {
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const isBn = layer.getClassName() === 'BatchNormalization';
    const values = layer.getWeights().map((w, i) => {
      if (isBn) return i === 0 || i === 3 ? tf.ones(w.shape) : tf.zeros(w.shape); // gamma, beta, moving mean, moving variance
      if (w.rank < 2) return tf.zeros(w.shape);
      const v = new Float32Array(w.size);
      for (let k = 0; k < v.length; k++) v[k] = std * rng.normal();
      return tf.tensor(v, w.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** The DCGAN discriminator trunk: conv 4×4/2 (+ BN after the first) + LeakyReLU down to 4×4. */
function dcganTrunk(imageShape: readonly number[], config: GanConfig): tf.layers.Layer[] {
  const [h] = imageShape as [number, number, number];
  const layers: tf.layers.Layer[] = [];
  for (let side = h, level = 0; side > 4; side /= 2, level++) {
    layers.push(
      tf.layers.conv2d({
        filters: config.discriminatorWidth << Math.min(level, 3),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: level === 0,
        name: `d_conv${level + 1}`,
      }),
    );
    if (level > 0) layers.push(tf.layers.batchNormalization({ momentum: 0.9 }));
    layers.push(tf.layers.leakyReLU({ alpha: config.leak }));
  }
  layers.push(tf.layers.flatten());
  return layers;
}

/** The discriminator trunk layers for one image shape, mirroring `encodeBox`'s 'auto' CNN. */
function encoderTrunk(imageShape: readonly number[], leak: number): tf.layers.Layer[] {
  const lrelu = (): tf.layers.Layer => tf.layers.leakyReLU({ alpha: leak });
  const [h, w] = imageShape as [number, number, number];
  if (Math.min(h, w) >= NATURE_MIN_SIDE) {
    return [
      tf.layers.conv2d({ filters: 16, kernelSize: 8, strides: 4, padding: 'valid', name: 'd_conv1' }),
      lrelu(),
      tf.layers.conv2d({ filters: 32, kernelSize: 4, strides: 2, padding: 'valid', name: 'd_conv2' }),
      lrelu(),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 1, padding: 'valid', name: 'd_conv3' }),
      lrelu(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 256, name: 'd_dense' }),
      lrelu(),
    ];
  }
  return [
    tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 1, padding: 'same', name: 'd_conv1' }),
    lrelu(),
    tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', name: 'd_conv2' }),
    lrelu(),
    tf.layers.flatten(),
    tf.layers.dense({ units: 128, name: 'd_dense' }),
    lrelu(),
  ];
}

function applyAll(x: tf.SymbolicTensor, layers: readonly tf.layers.Layer[]): tf.SymbolicTensor {
  return layers.reduce((y, layer) => layer.apply(y) as tf.SymbolicTensor, x);
}

export function buildGenerator(imageShape: readonly [number, number, number], config: GanConfig): tf.LayersModel {
  const [h, w, c] = imageShape;
  const doublings = Math.log2(h / 4);
  if (h !== w || !Number.isInteger(doublings) || doublings < 1) {
    throw new RangeError(`DCGAN: frames must be square with side 4·2^k ≥ 8 px (e.g. 64), got ${h}×${w}`);
  }
  const width = (level: number): number => Math.max(8, config.generatorWidth >> level);
  const z = tf.input({ shape: [config.latentDim], name: 'z' });
  let y = tf.layers.dense({ units: 4 * 4 * width(0), useBias: false }).apply(z) as tf.SymbolicTensor;
  y = tf.layers.reshape({ targetShape: [4, 4, width(0)] }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ momentum: 0.9 }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  for (let level = 1; level < doublings; level++) {
    y = tf.layers
      .conv2dTranspose({ filters: width(level), kernelSize: 4, strides: 2, padding: 'same', useBias: false })
      .apply(y) as tf.SymbolicTensor;
    y = tf.layers.batchNormalization({ momentum: 0.9 }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  }
  y = tf.layers
    .conv2dTranspose({ filters: c, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' })
    .apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: z, outputs: y, name: 'generator' });
}

export function buildDiscriminator(imageShape: readonly [number, number, number], config: GanConfig): tf.LayersModel {
  const x = tf.input({ shape: [...imageShape], name: 'image' });
  // [−1, 1] → [0, 1]: the trunk then sees what a policy encoder sees after its Rescaling(1/255).
  const unit = tf.layers.rescaling({ scale: 0.5, offset: 0.5 }).apply(x) as tf.SymbolicTensor;
  const trunk = config.discriminator === 'dcgan' ? dcganTrunk(imageShape, config) : encoderTrunk(imageShape, config.leak);
  const features = applyAll(unit, trunk);
  const logit = tf.layers.dense({ units: 1, name: 'd_logit' }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: logit, name: 'discriminator' });
}

/** A DCGAN over camera frames (generator and discriminator, trained together); with the 'encoder' trunk its discriminator can initialise a policy encoder. */
export class Dcgan {
  readonly config: GanConfig;
  private readonly dOptimizer: tf.Optimizer;
  private readonly gOptimizer: tf.Optimizer;

  private constructor(
    readonly imageShape: readonly [number, number, number],
    config: GanConfig,
    readonly generator: tf.LayersModel,
    readonly discriminator: tf.LayersModel,
  ) {
    this.config = config;
    this.dOptimizer = tf.train.adam(config.learningRate, config.beta1);
    this.gOptimizer = tf.train.adam(config.learningRate, config.beta1);
  }

  static create(imageShape: readonly [number, number, number], config: Partial<GanConfig>, rng: Rng): Dcgan {
    const full = { ...DEFAULT_GAN, ...config };
    const generator = buildGenerator(imageShape, full);
    const discriminator = buildDiscriminator(imageShape, full);
    initNormal(generator, 0.02, rng);
    initNormal(discriminator, 0.02, rng);
    return new Dcgan(imageShape, full, generator, discriminator);
  }

  /** Standard-normal noise [n, latentDim] from the seeded stream. */
  noise(n: number, rng: Rng): tf.Tensor2D {
    const v = new Float32Array(n * this.config.latentDim);
    for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    return tf.tensor2d(v, [n, this.config.latentDim]);
  }

  /** One discriminator and one generator update on a batch of real images in [−1, 1]. */
  trainStep(real: tf.Tensor4D, rng: Rng): GanStepResult {
    const batch = real.shape[0];
    const z1 = this.noise(batch, rng);
    const z2 = this.noise(batch, rng);
    const dVars = this.discriminator.trainableWeights.map((w) => w.read() as tf.Variable);
    const gVars = this.generator.trainableWeights.map((w) => w.read() as tf.Variable);
    const { realLabel } = this.config;
    const stats = tf.tidy(() => {
      let dReal: tf.Scalar = tf.scalar(0);
      let dFake: tf.Scalar = tf.scalar(0);
      const dLoss = this.dOptimizer.minimize(
        () => {
          const fake = this.generator.apply(z1, { training: true }) as tf.Tensor4D;
          const realLogits = this.discriminator.apply(real, { training: true }) as tf.Tensor2D;
          const fakeLogits = this.discriminator.apply(fake, { training: true }) as tf.Tensor2D;
          dReal = tf.keep(tf.sigmoid(realLogits).mean() as tf.Scalar);
          dFake = tf.keep(tf.sigmoid(fakeLogits).mean() as tf.Scalar);
          const lossReal = tf.losses.sigmoidCrossEntropy(tf.fill(realLogits.shape, realLabel), realLogits);
          const lossFake = tf.losses.sigmoidCrossEntropy(tf.zerosLike(fakeLogits), fakeLogits);
          return tf.add(lossReal, lossFake) as tf.Scalar;
        },
        true,
        dVars,
      )!;
      const gLoss = this.gOptimizer.minimize(
        () => {
          const fake = this.generator.apply(z2, { training: true }) as tf.Tensor4D;
          const logits = this.discriminator.apply(fake, { training: true }) as tf.Tensor2D;
          return tf.losses.sigmoidCrossEntropy(tf.onesLike(logits), logits) as tf.Scalar;
        },
        true,
        gVars,
      )!;
      const stacked = tf.stack([dLoss, gLoss, dReal, dFake]);
      tf.dispose([dReal, dFake]); // kept out of the optimizer's tidy; stacked copies them
      return stacked;
    });
    const [dLoss, gLoss, dReal, dFake] = stats.dataSync();
    tf.dispose([stats, z1, z2]);
    return { dLoss: dLoss!, gLoss: gLoss!, dReal: dReal!, dFake: dFake! };
  }

  /** Images [n, H, W, C] in [−1, 1] from noise `z` (inference mode: BN uses its moving averages). */
  generate(z: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.generator.predict(z) as tf.Tensor4D);
  }

  /**
   * The discriminator trunk as an image encoder over raw observation values ([0, 255] pixels):
   * Rescaling(1/255) → the trunk's layers (shared, not copied). With the 'encoder' discriminator
   * its weighted layers match the policy encoder's, so `loadPretrainedEncoder` can copy them; a
   * 'dcgan' trunk is saved too (a feature extractor) but a policy rejects it as a shape mismatch.
   */
  encoderModel(): tf.LayersModel {
    const x = tf.input({ shape: [...this.imageShape], name: 'obs' });
    let y = tf.layers.rescaling({ scale: 1 / 255 }).apply(x) as tf.SymbolicTensor;
    const layers = this.discriminator.layers;
    const start = layers.findIndex((l) => l.name === 'd_conv1');
    const end = layers.findIndex((l) => l.name === 'd_logit');
    y = applyAll(y, layers.slice(start, end));
    return tf.model({ inputs: x, outputs: y, name: 'gan_encoder' });
  }

  async save(dir: string): Promise<void> {
    await saveModel(this.generator, join(dir, 'generator'));
    await saveModel(this.discriminator, join(dir, 'discriminator'));
    const encoder = this.encoderModel();
    await saveModel(encoder, join(dir, 'encoder'));
  }

  /** Load the nets saved by `save` (fresh optimizers: the Adam moments are not saved). */
  static async load(dir: string, config: Partial<GanConfig> = {}): Promise<Dcgan> {
    const generator = await loadModel(join(dir, 'generator'));
    const discriminator = await loadModel(join(dir, 'discriminator'));
    const shape = discriminator.inputs[0]!.shape.slice(1) as [number, number, number];
    const latentDim = generator.inputs[0]!.shape[1] as number;
    return new Dcgan(shape, { ...DEFAULT_GAN, ...config, latentDim }, generator, discriminator);
  }

  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
    this.dOptimizer.dispose();
    this.gOptimizer.dispose();
  }
}

/**
 * A grid of images as a PNG: `images` [N, H, W, C] in [−1, 1] (C = 3 colour, C = 1 grey),
 * `cols` per row, a 1-px black border between tiles.
 */
export function writeImageGrid(path: string, images: tf.Tensor4D, cols: number): void {
  const [n, h, w, c] = images.shape;
  const rows = Math.ceil(n / cols);
  const png = new PNG({ width: cols * (w + 1) + 1, height: rows * (h + 1) + 1 });
  png.data.fill(0);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  const values = images.dataSync();
  for (let k = 0; k < n; k++) {
    const x0 = (k % cols) * (w + 1) + 1;
    const y0 = Math.floor(k / cols) * (h + 1) + 1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((k * h + y) * w + x) * c;
        const dst = ((y0 + y) * png.width + x0 + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const v = values[src + (c === 1 ? 0 : ch)]!;
          png.data[dst + ch] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
        }
      }
    }
  }
  writeFileAtomicSync(path, PNG.sync.write(png));
}

export interface GanTrainOptions {
  /** Generator/discriminator updates. */
  steps: number;
  /** Real frames per update. @default 32 */
  batchSize: number;
  /** Updates between Fréchet evaluations (and sample grids); also evaluated at 0 and at the end. @default 250 */
  evalEvery: number;
  /** Real and generated frames per Fréchet evaluation. @default 256 */
  evalSamples: number;
  /** Seeds the nets, the noise and the batch order. @default 0 */
  seed: number;
  /** Progress lines (one per evaluation); none when omitted. */
  log?: (line: string) => void;
}

export const DEFAULT_GAN_TRAIN: Omit<GanTrainOptions, 'steps'> = { batchSize: 32, evalEvery: 250, evalSamples: 256, seed: 0 };

/** The outcome of a GAN run: Fréchet distances at each evaluation, the losses between them, and the time taken. */
export interface GanRunResult {
  steps: number;
  /** Fréchet distance (fixed random-conv features) at each evaluation, in order. */
  fid: number[];
  /** The update count of each evaluation. */
  fidSteps: number[];
  /** Mean losses over the updates since the previous evaluation, at each evaluation after the first. */
  dLoss: number[];
  gLoss: number[];
  /** Frames the Fréchet reference set was drawn from: held-out scenes ('val') or all ('all'). */
  reference: 'val' | 'all';
  seconds: number;
}

/**
 * Train a DCGAN on the `rgb` frames of a dataset and write to `out`: the nets (`generator/`,
 * `discriminator/`, `encoder/` = the discriminator trunk), `samples-<step>.png` grids of 64 fixed
 * noise vectors at each evaluation, and `pretrain.json`. The Fréchet reference set is drawn from
 * held-out scenes (episodes split by seed) when the dataset has more than one scene.
 */
export async function trainGan(
  reader: ShardReader,
  out: string,
  options: Partial<GanTrainOptions> & { steps: number },
  config: Partial<GanConfig> = {},
): Promise<GanRunResult> {
  const opts: GanTrainOptions = { ...DEFAULT_GAN_TRAIN, ...options };
  if (!reader.hasField('rgb')) throw new UsageError(`dataset ${reader.dir} has no rgb frames (collect with an RGB camera)`);
  const shape = reader.field('rgb').shape as [number, number, number];
  const started = Date.now();
  const rng = new Rng(opts.seed);
  const gan = Dcgan.create(shape, config, rng);
  const frechet = new FrechetEncoder(shape, { seed: 1234 });
  mkdirSync(out, { recursive: true });

  // ── Fréchet reference: held-out scenes when there are any ──
  const split = reader.hasField('episode') ? splitEpisodesBySeed(reader.index.episodes) : null;
  const useVal = split !== null && split.val.size > 0 && split.train.size > 0;
  const referenceGaussian = ((): Gaussian => {
    const batches = reader.batches({
      batchSize: opts.evalSamples,
      fields: ['rgb'],
      seed: opts.seed + 1,
      episodes: useVal ? split!.val : undefined,
      keepRemainder: true,
      shardsInMemory: 4,
    });
    const first = batches.next();
    if (first.done || first.value.size < 2) throw new UsageError(`dataset ${reader.dir} has too few frames for a Fréchet reference set`);
    const images = fieldTensor(reader, first.value, 'rgb', { scale: 1 / 255 }) as tf.Tensor4D;
    const g = frechet.gaussian(images);
    images.dispose();
    return g;
  })();
  const fixedNoise = gan.noise(Math.max(opts.evalSamples, 64), new Rng(opts.seed + 2));
  const result: GanRunResult = { steps: 0, fid: [], fidSteps: [], dLoss: [], gLoss: [], reference: useVal ? 'val' : 'all', seconds: 0 };
  const evaluate = (step: number): void => {
    const fakes = tf.tidy(() => gan.generate(fixedNoise).add(1).div(2) as tf.Tensor4D);
    const fid = frechetDistance(referenceGaussian, frechet.gaussian(fakes));
    fakes.dispose();
    const grid = tf.tidy(() => gan.generate(fixedNoise.slice([0, 0], [64, -1])));
    writeImageGrid(join(out, `samples-${String(step).padStart(6, '0')}.png`), grid, 8);
    grid.dispose();
    result.fid.push(fid);
    result.fidSteps.push(step);
  };

  // ── training ──
  evaluate(0);
  opts.log?.(`step 0  fid ${result.fid[0]!.toFixed(3)}`);
  const batches = reader.batches({
    batchSize: opts.batchSize,
    fields: ['rgb'],
    seed: opts.seed,
    epochs: Infinity,
    episodes: useVal ? split!.train : undefined,
  });
  let dSum = 0;
  let gSum = 0;
  let since = 0;
  for (let step = 1; step <= opts.steps; step++) {
    const next = batches.next();
    if (next.done) throw new UsageError(`dataset ${reader.dir} has fewer training frames than one batch (${opts.batchSize})`);
    const real = fieldTensor(reader, next.value, 'rgb', { scale: 2 / 255, offset: -1 }) as tf.Tensor4D;
    const r = gan.trainStep(real, rng);
    real.dispose();
    dSum += r.dLoss;
    gSum += r.gLoss;
    since++;
    if (step % opts.evalEvery === 0 || step === opts.steps) {
      evaluate(step);
      result.dLoss.push(dSum / since);
      result.gLoss.push(gSum / since);
      opts.log?.(
        `step ${step}  fid ${result.fid.at(-1)!.toFixed(3)}  d_loss ${(dSum / since).toFixed(3)}  g_loss ${(gSum / since).toFixed(3)}`,
      );
      dSum = gSum = since = 0;
    }
  }
  result.steps = opts.steps;
  result.seconds = (Date.now() - started) / 1000;
  await gan.save(out);
  writeManifest(out, {
    version: PRETRAIN_VERSION,
    kind: 'gan',
    field: 'rgb',
    inputShape: [...shape],
    data: reader.dir,
    config: gan.config,
    train: { ...opts, log: undefined },
    ...result,
  });
  fixedNoise.dispose();
  frechet.dispose();
  gan.dispose();
  return result;
}
