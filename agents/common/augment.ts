/**
 * Image augmentation of the update's minibatch observations (DrQ, Kostrikov et al. 2020; RAD,
 * Laskin et al. 2020), composable from a list in the agent config:
 *
 *   shift        replicate-pad each image by `pad` pixels and crop back at a random offset in
 *                [0, 2·pad]² per sample; one offset per sample shared by all its image keys, so
 *                RGB, depth and semantic frames of one camera stay aligned. DrQ pads 84 px by 4;
 *                robonav's 64 px frames by 3 (the default).
 *   colorJitter  per sample brightness and contrast factors 1 + U(−s, s) on the RGB keys only
 *                (`keys`, default ['rgb']): x' = b·((x − mean)·c + mean), clipped to the Box bounds,
 *                rounded for uint8. Depth and semantic frames are never jittered.
 *
 * Applied by `OnPolicyAgent.evaluate` to the minibatch before its one forward pass, so the policy
 * (log-prob, ratio) and the value head see the same augmented observation; never while acting.
 * Works on typed arrays allocated once per minibatch size (no tensors), from its own seeded Rng
 * so that turning it on leaves the agent's action, shuffle and env-seed streams unchanged.
 */
import type { BatchedObservation } from '../../src/core/Env.js';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { allocateBatch, boxLeaves, batchLeaf } from '../../src/core/batch.js';
import type { Box, Space } from '../../src/core/spaces.js';

/** Random shift (DrQ / RAD): replicate-pad by `pad` pixels, crop back at a random offset per sample. */
export interface ShiftAugment {
  kind: 'shift';
  /** Pixels of padding on each side; the offset is uniform in [0, 2·pad] on each axis. @default 3 */
  pad?: number;
}

/** Brightness and contrast jitter per sample on RGB keys. */
export interface ColorJitterAugment {
  kind: 'colorJitter';
  /** Factors are drawn from 1 + U(−strength, strength). @default 0.2 */
  strength?: number;
  /** Observation keys to jitter; each must be an image with 3 channels. @default ['rgb'] */
  keys?: string[];
}

/** One step of the `augment` list of an on-policy agent's config. */
export type AugmentSpec = ShiftAugment | ColorJitterAugment;

/** The default shift padding for robonav's 64 px frames (DrQ's 4 px at 84 px, scaled). */
export const DEFAULT_SHIFT_PAD = 3;
/** The default colour-jitter strength. */
export const DEFAULT_JITTER_STRENGTH = 0.2;

/** Keys whose observations are never colour-jittered, whatever `keys` says. */
const NEVER_JITTER = new Set(['depth', 'semantic']);

/**
 * The augmentation pipeline of one agent: `apply(batch, size)` returns an augmented copy of the
 * image leaves of a batched observation (vector leaves are the input's arrays, untouched).
 *
 * @example
 * const aug = new ImageAugmentation(env.observationSpace, [{ kind: 'shift', pad: 3 }], seed);
 * const augmented = aug.apply(minibatch.obs, minibatch.size);
 */
export class ImageAugmentation {
  /** The image leaves (rank-3 Box observations): key and space. */
  readonly images: ReadonlyArray<readonly [string | null, Box]>;
  private readonly leaves: ReadonlyArray<readonly [string | null, Box]>;
  private readonly specs: readonly AugmentSpec[];
  private readonly rng: Rng;
  private readonly outputs = new Map<number, BatchedObservation>();
  private readonly scratch = new Map<number, Float32Array>();

  constructor(
    private readonly space: Space,
    specs: readonly AugmentSpec[],
    seed: number,
  ) {
    this.leaves = boxLeaves(space);
    this.images = this.leaves.filter(([, box]) => box.shape.length === 3);
    for (const spec of specs) checkSpec(spec, this.images);
    this.specs = specs;
    this.rng = new Rng(seed);
  }

  /** True when there is something to do: a non-empty list and at least one image key. */
  get enabled(): boolean {
    return this.specs.length > 0 && this.images.length > 0;
  }

  /** Restart the random stream (the agents reseed from the run seed and the update number, so resumes are exact). */
  reseed(seed: number): void {
    this.rng.reseed(seed);
  }

  /**
   * The first `size` rows of `batch` augmented, in arrays owned by this object (reused for the next
   * call with the same size); `batch` itself is never written. Returns `batch` when disabled.
   */
  apply(batch: BatchedObservation, size: number): BatchedObservation {
    if (!this.enabled) return batch;
    const out = this.output(size);
    for (const [key, box] of this.leaves) {
      const src = batchLeaf(batch, key);
      const dst = batchLeaf(out, key);
      dst.set(src.subarray(0, size * box.size));
    }
    for (const spec of this.specs) {
      if (spec.kind === 'shift') this.shift(out, size, spec.pad ?? DEFAULT_SHIFT_PAD);
      else this.jitter(out, size, spec.strength ?? DEFAULT_JITTER_STRENGTH, spec.keys ?? ['rgb']);
    }
    return out;
  }

  private shift(out: BatchedObservation, size: number, pad: number): void {
    for (let j = 0; j < size; j++) {
      const dy = this.rng.int(2 * pad + 1) - pad;
      const dx = this.rng.int(2 * pad + 1) - pad;
      for (const [key, box] of this.images) {
        const data = batchLeaf(out, key);
        const [h, w, c] = box.shape as [number, number, number];
        const scratch = this.scratchFor(box.size);
        const base = j * box.size;
        scratch.set(data.subarray(base, base + box.size));
        shiftImage(scratch, data, base, h, w, c, dy, dx);
      }
    }
  }

  private jitter(out: BatchedObservation, size: number, strength: number, keys: readonly string[]): void {
    const targets = this.images.filter(([key]) => key !== null && keys.includes(key) && !NEVER_JITTER.has(key));
    for (let j = 0; j < size; j++) {
      const brightness = 1 + this.rng.uniform(-strength, strength);
      const contrast = 1 + this.rng.uniform(-strength, strength);
      for (const [key, box] of targets) {
        const data = batchLeaf(out, key);
        const base = j * box.size;
        let mean = 0;
        for (let i = 0; i < box.size; i++) mean += data[base + i]!;
        mean /= box.size;
        const lo = box.low[0]!;
        const hi = box.high[0]!;
        const round = data instanceof Uint8Array;
        for (let i = 0; i < box.size; i++) {
          const v = brightness * ((data[base + i]! - mean) * contrast + mean);
          const clipped = Math.min(hi, Math.max(lo, v));
          data[base + i] = round ? Math.round(clipped) : clipped;
        }
      }
    }
  }

  private output(size: number): BatchedObservation {
    let out = this.outputs.get(size);
    if (!out) {
      out = allocateBatch(this.space, size);
      this.outputs.set(size, out);
    }
    return out;
  }

  private scratchFor(n: number): Float32Array {
    let s = this.scratch.get(n);
    if (!s) {
      s = new Float32Array(n);
      this.scratch.set(n, s);
    }
    return s;
  }
}

/**
 * One [h, w, c] image shifted by (dy, dx) with edge replication, written at `dst[base ..]`:
 * dst[y, x] = src[clamp(y + dy), clamp(x + dx)] — the crop at offset (pad + dy, pad + dx) of the
 * image replicate-padded by `pad`.
 */
export function shiftImage(
  src: ArrayLike<number>,
  dst: Float32Array | Uint8Array,
  base: number,
  h: number,
  w: number,
  c: number,
  dy: number,
  dx: number,
): void {
  for (let y = 0; y < h; y++) {
    const sy = Math.min(h - 1, Math.max(0, y + dy));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(w - 1, Math.max(0, x + dx));
      const from = (sy * w + sx) * c;
      const to = base + (y * w + x) * c;
      for (let k = 0; k < c; k++) dst[to + k] = src[from + k]!;
    }
  }
}

/** A config error of the `augment` list (UsageError: the CLI prints it and exits 2). */
function checkSpec(spec: AugmentSpec, images: ReadonlyArray<readonly [string | null, Box]>): void {
  if (spec.kind === 'shift') {
    const pad = spec.pad ?? DEFAULT_SHIFT_PAD;
    if (!(Number.isInteger(pad) && pad >= 1)) throw new UsageError(`augment: shift.pad must be an integer ≥ 1, got ${spec.pad}`);
  } else if (spec.kind === 'colorJitter') {
    const s = spec.strength ?? DEFAULT_JITTER_STRENGTH;
    if (!(s > 0 && s < 1)) throw new UsageError(`augment: colorJitter.strength must be in (0, 1), got ${spec.strength}`);
    for (const key of spec.keys ?? []) {
      if (NEVER_JITTER.has(key)) throw new UsageError(`augment: colorJitter.keys: "${key}" is not a colour image`);
      const image = images.find(([k]) => k === key);
      if (!image) throw new UsageError(`augment: colorJitter.keys: "${key}" is not an image observation of the env`);
      if (image[1].shape[2] !== 3) throw new UsageError(`augment: colorJitter.keys: "${key}" has ${image[1].shape[2]} channels, not 3`);
    }
  } else {
    throw new UsageError(`augment: unknown kind "${(spec as { kind: unknown }).kind}" (shift, colorJitter)`);
  }
}
