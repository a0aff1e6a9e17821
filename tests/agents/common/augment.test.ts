import type * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/nn/backend.js';
import { Rng } from '../../../src/core/Rng.js';
import { UsageError } from '../../../src/core/errors.js';
import { allocateBatch } from '../../../src/core/batch.js';
import { Box, Dict, Discrete } from '../../../src/core/spaces.js';
import type { Env, ResetArgs, ResetResult, StepResult } from '../../../src/core/Env.js';
import { ImageAugmentation, shiftImage, type AugmentSpec } from '../../../agents/common/augment.js';
import { PPO } from '../../../agents/ppo.js';
import { A2C } from '../../../agents/a2c.js';
import { Reinforce } from '../../../agents/reinforce.js';
import type { OnPolicyAgent } from '../../../agents/common/OnPolicyAgent.js';
import type { UpdateRecord } from '../../../agents/common/callbacks.js';

beforeAll(async () => {
  await initBackend();
});

const H = 8;
const W = 8;

/** A small camera env: random RGB, depth and a pointgoal each step; the action naming the pointgoal's sign is rewarded. */
class CameraCue implements Env {
  readonly observationSpace = new Dict({
    rgb: new Box(0, 255, [H, W, 3], 'uint8'),
    depth: new Box(0, 10, [H, W, 1]),
    pointgoal: new Box(-1, 1, [2]),
  });
  readonly actionSpace = new Discrete(2);
  private readonly rng: Rng;
  private readonly obs = { rgb: new Uint8Array(H * W * 3), depth: new Float32Array(H * W), pointgoal: new Float32Array(2) };
  private t = 0;

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(args: ResetArgs = {}): ResetResult {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.t = 0;
    this.draw();
    return { obs: this.obs, info: {} };
  }

  step(action: number | Float32Array | number[]): StepResult {
    const reward = (action === 1) === this.obs.pointgoal[0]! > 0 ? 1 : 0;
    this.t++;
    this.draw();
    return { obs: this.obs, reward, terminated: false, truncated: this.t >= 6, info: { success: reward } };
  }

  close(): void {}

  private draw(): void {
    for (let i = 0; i < this.obs.rgb.length; i++) this.obs.rgb[i] = this.rng.int(256);
    for (let i = 0; i < this.obs.depth.length; i++) this.obs.depth[i] = this.rng.uniform(0, 10);
    this.obs.pointgoal[0] = this.rng.uniform(-1, 1);
    this.obs.pointgoal[1] = this.rng.uniform(-1, 1);
  }
}

const SPACE = new CameraCue().observationSpace;
type Obs = { rgb: Uint8Array; depth: Float32Array; pointgoal: Float32Array };

/** A batch of `size` random observations. */
function randomBatch(size: number, seed: number): Obs {
  const batch = allocateBatch(SPACE, size) as unknown as Obs;
  const rng = new Rng(seed);
  for (let i = 0; i < batch.rgb.length; i++) batch.rgb[i] = rng.int(256);
  for (let i = 0; i < batch.depth.length; i++) batch.depth[i] = rng.uniform(0, 10);
  for (let i = 0; i < batch.pointgoal.length; i++) batch.pointgoal[i] = rng.uniform(-1, 1);
  return batch;
}

function copyBatch(b: Obs): Obs {
  return { rgb: b.rgb.slice(), depth: b.depth.slice(), pointgoal: b.pointgoal.slice() };
}

/** Reference: replicate-pad an [h, w, c] image by `pad`, then crop h × w at (oy, ox). */
function padCrop(src: ArrayLike<number>, h: number, w: number, c: number, pad: number, oy: number, ox: number): number[] {
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const padded: number[] = [];
  for (let y = 0; y < ph; y++)
    for (let x = 0; x < pw; x++) {
      const sy = Math.min(h - 1, Math.max(0, y - pad));
      const sx = Math.min(w - 1, Math.max(0, x - pad));
      for (let k = 0; k < c; k++) padded.push(src[(sy * w + sx) * c + k]!);
    }
  const out: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out.push(padded[((y + oy) * pw + x + ox) * c + k]!);
  return out;
}

describe('shiftImage', () => {
  it('equals a hand-computed crop of the edge-replicated image', () => {
    // 3×3 image 1..9, shifted by (dy, dx) = (1, −1): rows 1, 2, 2 and columns 0, 0, 1.
    const src = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const dst = new Float32Array(9);
    shiftImage(src, dst, 0, 3, 3, 1, 1, -1);
    expect(Array.from(dst)).toEqual([4, 4, 5, 7, 7, 8, 7, 7, 8]);
    // The same as padding by 1 and cropping at offset (pad + dy, pad + dx) = (2, 0).
    expect(Array.from(dst)).toEqual(padCrop(src, 3, 3, 1, 1, 2, 0));
  });

  it('keeps the channels of a pixel together', () => {
    const src = [10, 11, 20, 21, 30, 31, 40, 41]; // 2×2 image, 2 channels
    const dst = new Uint8Array(8);
    shiftImage(src, dst, 0, 2, 2, 2, 0, 1);
    expect(Array.from(dst)).toEqual([20, 21, 20, 21, 40, 41, 40, 41]);
  });
});

describe('ImageAugmentation', () => {
  it('shift: every image of a sample is its pad-and-crop at the offset drawn from the seeded stream', () => {
    const pad = 2;
    const size = 5;
    const batch = randomBatch(size, 1);
    const aug = new ImageAugmentation(SPACE, [{ kind: 'shift', pad }], 42);
    const out = aug.apply(batch as never, size) as unknown as Obs;
    const draws = new Rng(42);
    for (let j = 0; j < size; j++) {
      const oy = draws.int(2 * pad + 1);
      const ox = draws.int(2 * pad + 1);
      const rgb = batch.rgb.subarray(j * H * W * 3, (j + 1) * H * W * 3);
      const depth = batch.depth.subarray(j * H * W, (j + 1) * H * W);
      expect(Array.from(out.rgb.subarray(j * H * W * 3, (j + 1) * H * W * 3))).toEqual(padCrop(rgb, H, W, 3, pad, oy, ox));
      // The depth frame of the sample moves with its RGB frame.
      expect(Array.from(out.depth.subarray(j * H * W, (j + 1) * H * W))).toEqual(padCrop(depth, H, W, 1, pad, oy, ox));
    }
  });

  it('keeps shapes and dtypes, copies vector keys untouched and never writes its input', () => {
    const size = 4;
    const batch = randomBatch(size, 2);
    const before = copyBatch(batch);
    const aug = new ImageAugmentation(
      SPACE,
      [
        { kind: 'shift', pad: 3 },
        { kind: 'colorJitter', strength: 0.5 },
      ],
      3,
    );
    expect(aug.images.map(([k]) => k).sort()).toEqual(['depth', 'rgb']);
    const out = aug.apply(batch as never, size) as unknown as Obs;
    expect(out.rgb).toBeInstanceOf(Uint8Array);
    expect(out.depth).toBeInstanceOf(Float32Array);
    expect(out.pointgoal).toBeInstanceOf(Float32Array);
    expect([out.rgb.length, out.depth.length, out.pointgoal.length]).toEqual([size * H * W * 3, size * H * W, size * 2]);
    expect(out.pointgoal).toEqual(batch.pointgoal);
    expect(out.rgb).not.toEqual(batch.rgb);
    expect(batch).toEqual(before);
  });

  it('the same seed gives the same augmented batch, another seed another one', () => {
    const specs: AugmentSpec[] = [{ kind: 'shift', pad: 3 }, { kind: 'colorJitter' }];
    const batch = randomBatch(6, 4);
    const run = (seed: number): Obs => copyBatch(new ImageAugmentation(SPACE, specs, seed).apply(batch as never, 6) as unknown as Obs);
    expect(run(7)).toEqual(run(7));
    expect(run(7).rgb).not.toEqual(run(8).rgb);
    // reseed restarts the stream.
    const aug = new ImageAugmentation(SPACE, specs, 7);
    aug.apply(batch as never, 6);
    aug.reseed(7);
    expect(copyBatch(aug.apply(batch as never, 6) as unknown as Obs)).toEqual(run(7));
  });

  it('colour jitter changes RGB within its bounds and never touches depth', () => {
    const size = 8;
    const batch = randomBatch(size, 5);
    const out = new ImageAugmentation(SPACE, [{ kind: 'colorJitter', strength: 0.9 }], 6).apply(batch as never, size) as unknown as Obs;
    expect(out.depth).toEqual(batch.depth);
    expect(out.pointgoal).toEqual(batch.pointgoal);
    expect(out.rgb).not.toEqual(batch.rgb);
    expect(out.rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    // Brightness and contrast act per sample: a sample's pixel order by value is kept (monotone map).
    const src = Array.from(batch.rgb.subarray(0, H * W * 3));
    const dst = Array.from(out.rgb.subarray(0, H * W * 3));
    const lo = src.indexOf(Math.min(...src));
    const hi = src.indexOf(Math.max(...src));
    expect(dst[lo]!).toBeLessThanOrEqual(dst[hi]!);
  });

  it('is a no-op without image keys or without steps', () => {
    const vec = new Box(-1, 1, [3]);
    const data = new Float32Array([1, 2, 3]);
    expect(new ImageAugmentation(vec, [{ kind: 'shift' }], 1).apply(data, 1)).toBe(data);
    const batch = randomBatch(2, 1);
    const aug = new ImageAugmentation(SPACE, [], 1);
    expect(aug.enabled).toBe(false);
    expect(aug.apply(batch as never, 2)).toBe(batch);
  });

  it('rejects a bad step with a UsageError naming the field', () => {
    const make = (spec: unknown): ImageAugmentation => new ImageAugmentation(SPACE, [spec as AugmentSpec], 1);
    expect(() => make({ kind: 'crop' })).toThrow(UsageError);
    expect(() => make({ kind: 'crop' })).toThrow(/unknown kind "crop"/);
    expect(() => make({ kind: 'shift', pad: 0 })).toThrow(/shift\.pad/);
    expect(() => make({ kind: 'colorJitter', strength: 1.5 })).toThrow(/colorJitter\.strength/);
    expect(() => make({ kind: 'colorJitter', keys: ['depth'] })).toThrow(/colorJitter\.keys: "depth"/);
    expect(() => make({ kind: 'colorJitter', keys: ['rbg'] })).toThrow(/colorJitter\.keys: "rbg" is not an image/);
  });
});

// ───────────────────────────── in the agents ─────────────────────────────

const AUGMENT: AugmentSpec[] = [
  { kind: 'shift', pad: 2 },
  { kind: 'colorJitter', strength: 0.3 },
];
const SMALL = { numEnvs: 2, numSteps: 8, network: { mlpHidden: [8], fusionHidden: [8] } };

type Internals = { collectRollout(): Promise<void>; computeTargets(): void; train(): Record<string, number> };

describe('augmentation in the on-policy update', () => {
  it('acting is unchanged: the same rollout and random streams with augmentation on as off', async () => {
    const off = new PPO(() => new CameraCue(), { ...SMALL, seed: 3, numMinibatches: 2, updateEpochs: 2 });
    const on = new PPO(() => new CameraCue(), { ...SMALL, seed: 3, numMinibatches: 2, updateEpochs: 2, augment: AUGMENT });
    try {
      await off.learn(16);
      await on.learn(16);
      expect(on.buffer.actions).toEqual(off.buffer.actions);
      expect(on.buffer.logprobs).toEqual(off.buffer.logprobs);
      expect(on.buffer.values).toEqual(off.buffer.values);
      expect(on.rng.getState()).toEqual(off.rng.getState());
      // The update itself did differ.
      const differs = on.network.getWeights().some((w, i) => !w.every((v, k) => v === off.network.getWeights()[i]![k]));
      expect(differs).toBe(true);
    } finally {
      await off.close();
      await on.close();
    }
  }, 120_000);

  it('the same seed gives the same weights after updates with augmentation', async () => {
    const run = async (): Promise<Float32Array[]> => {
      const a = new A2C(() => new CameraCue(), { ...SMALL, seed: 5, augment: AUGMENT });
      await a.learn(48);
      const w = a.network.getWeights();
      await a.close();
      return w;
    };
    expect(await run()).toEqual(await run());
  }, 120_000);

  it.each([
    [
      'ppo',
      (): OnPolicyAgent => new PPO(() => new CameraCue(), { ...SMALL, seed: 2, numMinibatches: 2, updateEpochs: 1, augment: AUGMENT }),
    ],
    [
      'ppo with a GRU core',
      (): OnPolicyAgent =>
        new PPO(() => new CameraCue(), {
          ...SMALL,
          seed: 2,
          numMinibatches: 2,
          updateEpochs: 1,
          augment: AUGMENT,
          network: { ...SMALL.network, core: 'gru', coreSize: 8 },
        }),
    ],
    ['a2c', (): OnPolicyAgent => new A2C(() => new CameraCue(), { ...SMALL, seed: 2, augment: AUGMENT })],
    ['reinforce', (): OnPolicyAgent => new Reinforce(() => new CameraCue(), { ...SMALL, seed: 2, augment: AUGMENT })],
  ])(
    '%s: the policy and the value head are computed from the one augmented observation',
    async (_, build) => {
      const agent = build();
      const inner = agent as unknown as Internals;
      try {
        await inner.collectRollout();
        inner.computeTargets();
        const rawRgb = agent.buffer.obs as unknown as Obs;
        const raw = copyBatch(rawRgb);
        const augmented: Obs[] = [];
        const encoded: { rgb: number[]; depth: number[]; pointgoal: number[]; features: tf.Tensor }[] = [];
        const headInputs: tf.Tensor[] = [];
        const net = agent.network;
        const apply = agent.augmentation.apply.bind(agent.augmentation);
        agent.augmentation.apply = (batch, size) => {
          const out = apply(batch, size);
          augmented.push(copyBatch(out as unknown as Obs));
          return out;
        };
        const encode = net.encode.bind(net);
        net.encode = (obs) => {
          const features = encode(obs);
          const order = net.inputs.map(([k]) => k);
          const data = (k: string): number[] => Array.from(obs[order.indexOf(k)]!.dataSync());
          encoded.push({ rgb: data('rgb'), depth: data('depth'), pointgoal: data('pointgoal'), features });
          return features;
        };
        const heads = net.heads.bind(net);
        net.heads = (features) => {
          headInputs.push(features);
          return heads(features);
        };
        inner.train();
        // One augmentation, one encoder pass and one head pass (policy and value together) per minibatch.
        expect(augmented.length).toBeGreaterThan(0);
        expect(encoded.length).toBe(augmented.length);
        expect(headInputs).toHaveLength(encoded.length);
        // Feed-forward, the heads read the encoder's output directly; recurrent, the core's output over it.
        if (net.core === null) expect(headInputs.map((t) => t.id)).toEqual(encoded.map((e) => e.features.id));
        for (let i = 0; i < augmented.length; i++) {
          expect(encoded[i]!.rgb).toEqual(Array.from(augmented[i]!.rgb));
          expect(encoded[i]!.depth).toEqual(Array.from(augmented[i]!.depth));
        }
        // The buffer keeps the observations as collected.
        expect(agent.buffer.obs).toEqual(raw);
      } finally {
        await agent.close();
      }
    },
    120_000,
  );

  it('the live tensor count stays flat over many augmented updates', async () => {
    const records: UpdateRecord[] = [];
    const ppo = new PPO(() => new CameraCue(), { ...SMALL, seed: 4, numMinibatches: 2, updateEpochs: 2, augment: AUGMENT });
    try {
      await ppo.learn(16 * 8, { callbacks: [{ onUpdate: (r) => void records.push(r) }] });
      expect(records).toHaveLength(8);
      const counts = records.map((r) => r.numTensors);
      expect(new Set(counts.slice(1)).size).toBe(1);
    } finally {
      await ppo.close();
    }
  }, 120_000);
});
