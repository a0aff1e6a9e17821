import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { initBackend } from '../../src/nn/backend.js';
import { Dcgan, trainGan } from '../../src/pretrain/gan.js';
import { ShardReader } from '../../src/pretrain/dataset/ShardReader.js';
import { ShardWriter } from '../../src/pretrain/dataset/ShardWriter.js';

const SHAPE = [16, 16, 3] as const;
const TINY = { generatorWidth: 16, latentDim: 8 };
let root: string;

/** 16×16 frames: a coloured half over a grey half, split at a random row (the "horizon"). */
function frames(count: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(count * 16 * 16 * 3);
  for (let n = 0; n < count; n++) {
    const horizon = 4 + rng.int(8);
    const colour = [rng.int(256), rng.int(256), 60];
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++) for (let c = 0; c < 3; c++) out[((n * 16 + y) * 16 + x) * 3 + c] = y < horizon ? colour[c]! : 128;
  }
  return out;
}

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'robonav-gan-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('Dcgan', () => {
  it('builds nets of the right shapes and rejects frame sizes it cannot generate', () => {
    const gan = Dcgan.create(SHAPE, TINY, new Rng(0));
    const z = gan.noise(5, new Rng(1));
    const images = gan.generate(z);
    expect(images.shape).toEqual([5, 16, 16, 3]);
    const [lo, hi] = [images.min().dataSync()[0]!, images.max().dataSync()[0]!];
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
    const logits = gan.discriminator.predict(images) as tf.Tensor;
    expect(logits.shape).toEqual([5, 1]);
    // The 64×64 'dcgan' trunk halves to 4×4 with doubling widths; the 'encoder' trunk has the
    // agents' Nature-CNN layer shapes.
    const kernels = (d: Dcgan): number[][] =>
      d.discriminator.layers.filter((l) => l.name.startsWith('d_')).map((l) => l.getWeights()[0]!.shape);
    const dcgan = Dcgan.create([64, 64, 3], TINY, new Rng(0));
    expect(kernels(dcgan)).toEqual([
      [4, 4, 3, 32],
      [4, 4, 32, 64],
      [4, 4, 64, 128],
      [4, 4, 128, 256],
      [4096, 1],
    ]);
    const big = Dcgan.create([64, 64, 3], { ...TINY, discriminator: 'encoder' }, new Rng(0));
    expect(kernels(big)).toEqual([
      [8, 8, 3, 16],
      [4, 4, 16, 32],
      [3, 3, 32, 32],
      [512, 256],
      [256, 1],
    ]);
    dcgan.dispose();
    expect(() => Dcgan.create([24, 24, 3], TINY, new Rng(0))).toThrow(/side 4·2\^k/);
    tf.dispose([z, images, logits]);
    gan.dispose();
    big.dispose();
  });

  it('lowers the discriminator loss over a few steps, deterministically, holding the tensor count flat', () => {
    const run = (steps: number): number[] => {
      const rng = new Rng(4);
      // A higher learning rate than DCGAN's 2e-4 so that a dozen steps show the trend.
      const gan = Dcgan.create(SHAPE, { ...TINY, learningRate: 1e-3 }, rng);
      const data = tf
        .tensor4d(frames(64, new Rng(5)), [64, 16, 16, 3])
        .div(127.5)
        .sub(1) as tf.Tensor4D;
      const losses: number[] = [];
      let count = 0;
      for (let step = 0; step < steps; step++) {
        const real = data.slice([(step * 8) % 64, 0, 0, 0], [8, -1, -1, -1]);
        const r = gan.trainStep(real, rng);
        real.dispose();
        losses.push(r.dLoss);
        expect(Number.isFinite(r.gLoss)).toBe(true);
        if (step === 1) count = tf.memory().numTensors;
        if (step > 1) expect(tf.memory().numTensors).toBe(count);
      }
      data.dispose();
      gan.dispose();
      return losses;
    };
    const losses = run(12);
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    expect(losses[0]).toBeCloseTo(2 * Math.log(2), 1); // an untrained D outputs ≈ ½ for everything
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)) - 0.05);
    expect(run(3)).toEqual(losses.slice(0, 3));
  });

  it('saves and loads the generator and discriminator exactly', async () => {
    const gan = Dcgan.create(SHAPE, TINY, new Rng(2));
    const real = tf
      .tensor4d(frames(8, new Rng(3)), [8, 16, 16, 3])
      .div(127.5)
      .sub(1) as tf.Tensor4D;
    gan.trainStep(real, new Rng(4)); // moves the BN statistics away from their initial values
    const dir = join(root, 'saved');
    await gan.save(dir);
    const loaded = await Dcgan.load(dir);
    const z = gan.noise(4, new Rng(9));
    const [a, b] = [gan.generate(z), loaded.generate(z)];
    expect(b.dataSync()).toEqual(a.dataSync());
    const [da, db] = [gan.discriminator.predict(real) as tf.Tensor, loaded.discriminator.predict(real) as tf.Tensor];
    expect(db.dataSync()).toEqual(da.dataSync());
    expect(loaded.config.latentDim).toBe(8);
    tf.dispose([real, z, a, b, da, db]);
    gan.dispose();
    loaded.dispose();
  });
});

describe('trainGan', () => {
  it('writes nets, sample grids and a manifest with one Fréchet figure per evaluation', async () => {
    const data = join(root, 'data');
    const writer = new ShardWriter(data, {
      fields: [
        { name: 'rgb', dtype: 'uint8', shape: [...SHAPE] },
        { name: 'episode', dtype: 'uint32', shape: [1] },
      ],
      framesPerShard: 40,
    });
    const pixels = frames(120, new Rng(6));
    for (let i = 0; i < 120; i++) writer.append({ rgb: pixels.subarray(i * 768, (i + 1) * 768), episode: Math.floor(i / 10) });
    writer.finish({
      episodes: Array.from({ length: 12 }, (_, id) => ({ id, seed: 100 + id, frames: 10, complete: true, return: 0, metrics: {} })),
    });
    const out = join(root, 'gan');
    const lines: string[] = [];
    const result = await trainGan(
      ShardReader.open(data),
      out,
      { steps: 4, evalEvery: 2, batchSize: 8, evalSamples: 10, seed: 1, log: (l) => lines.push(l) },
      TINY,
    );
    expect(result.fidSteps).toEqual([0, 2, 4]);
    expect(result.fid).toHaveLength(3);
    expect(result.fid.every((f) => Number.isFinite(f) && f >= 0)).toBe(true);
    expect(result.reference).toBe('val');
    expect(lines).toHaveLength(3);
    expect(readdirSync(out).sort()).toEqual([
      'discriminator',
      'encoder',
      'generator',
      'pretrain.json',
      'samples-000000.png',
      'samples-000002.png',
      'samples-000004.png',
    ]);
    const png = PNG.sync.read(readFileSync(join(out, 'samples-000004.png')));
    expect([png.width, png.height]).toEqual([8 * 17 + 1, 8 * 17 + 1]);
    const manifest = JSON.parse(readFileSync(join(out, 'pretrain.json'), 'utf8'));
    expect(manifest).toMatchObject({ kind: 'gan', field: 'rgb', inputShape: [16, 16, 3], steps: 4, fid: result.fid });
    expect(existsSync(join(out, 'encoder', 'weights.bin'))).toBe(true);
  });
});
