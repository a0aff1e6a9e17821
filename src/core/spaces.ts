/**
 * Observation and action spaces (Gymnasium semantics): `Box`, `Discrete`, `Dict`.
 *
 * Data moves as typed arrays: a `Box` value is a `Float32Array` (dtype float32) or a
 * `Uint8Array` (dtype uint8, e.g. camera frames in HWC order); a `Discrete` value is an integer;
 * a `Dict` value is a plain object of its sub-spaces' values. `explain(x)` returns why `x` is
 * not in the space (or null), so an Env can throw an error naming the space and the value.
 */
import { z } from 'zod';
import type { Rng } from './Rng.js';

/** A Box's element type: float32 vectors and depth, uint8 images. */
export type BoxDtype = 'float32' | 'uint8';
/** An element of a Box: a typed array of its dtype, `size` values in row-major order. */
export type BoxValue = Float32Array | Uint8Array;
/** An element of any space: a number (Discrete), a typed array (Box) or an object of those (Dict). */
export type SpaceValue = number | BoxValue | { [key: string]: SpaceValue };

/** A space as plain JSON (`space.toJSON()`), as saved policies and checkpoints record it; `spaceFromJSON` reads it back. */
export interface SpaceJSON {
  type: 'box' | 'discrete' | 'dict';
  [key: string]: unknown;
}

/** The base of Box, Discrete and Dict: membership with a reason, seeded sampling, a one-line description, JSON. */
export abstract class Space<T extends SpaceValue = SpaceValue> {
  abstract readonly type: 'box' | 'discrete' | 'dict';
  /** Null when `x` belongs to the space, otherwise a short reason. */
  abstract explain(x: unknown): string | null;
  /** A uniformly random element (for Box with infinite bounds, a standard normal). */
  abstract sample(rng: Rng): T;
  /** A one-line description, e.g. `Box(0, 1, [64,64,3], uint8)`. */
  abstract toString(): string;
  abstract toJSON(): SpaceJSON;

  contains(x: unknown): x is T {
    return this.explain(x) === null;
  }
}

/** An n-dimensional box [low, high] of float32 or uint8 values, stored flat in row-major order. */
export class Box extends Space<BoxValue> {
  readonly type = 'box' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly low: Float32Array;
  readonly high: Float32Array;

  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape: readonly number[],
    readonly dtype: BoxDtype = 'float32',
  ) {
    super();
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`Box: shape must be positive integers, got [${shape.join(',')}]`);
    }
    this.shape = [...shape];
    this.size = shape.reduce((a, b) => a * b, 1);
    this.low = broadcast(low, this.size, 'low');
    this.high = broadcast(high, this.size, 'high');
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i]! <= this.high[i]!)) throw new RangeError(`Box: low[${i}] > high[${i}]`);
    }
  }

  explain(x: unknown): string | null {
    const ok = this.dtype === 'uint8' ? x instanceof Uint8Array : x instanceof Float32Array || Array.isArray(x);
    if (!ok) return `expected ${this.dtype === 'uint8' ? 'Uint8Array' : 'Float32Array or number[]'}, got ${describe(x)}`;
    const arr = x as ArrayLike<unknown>;
    if (arr.length !== this.size) return `expected length ${this.size}, got ${arr.length}`;
    for (let i = 0; i < this.size; i++) {
      const v = arr[i];
      if (typeof v !== 'number' || Number.isNaN(v)) return `element ${i} is ${String(v)}, not a number`;
      if (v < this.low[i]! || v > this.high[i]!) return `element ${i} = ${v} is outside [${this.low[i]}, ${this.high[i]}]`;
    }
    return null;
  }

  sample(rng: Rng): BoxValue {
    const out = this.dtype === 'uint8' ? new Uint8Array(this.size) : new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      let v: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) v = rng.uniform(lo, hi);
      else if (Number.isFinite(lo)) v = lo - Math.log(1 - rng.random());
      else if (Number.isFinite(hi)) v = hi + Math.log(1 - rng.random());
      else v = rng.normal();
      out[i] = this.dtype === 'uint8' ? Math.min(hi, Math.floor(v + 0.5)) : v;
    }
    return out;
  }

  toString(): string {
    const lo = uniformValue(this.low);
    const hi = uniformValue(this.high);
    return `Box(${lo ?? 'low[]'}, ${hi ?? 'high[]'}, [${this.shape.join(',')}], ${this.dtype})`;
  }

  toJSON(): SpaceJSON {
    return {
      type: 'box',
      shape: [...this.shape],
      dtype: this.dtype,
      low: Array.from(this.low, jsonNumber),
      high: Array.from(this.high, jsonNumber),
    };
  }
}

/** Integers {start, …, start + n − 1}. */
export class Discrete extends Space<number> {
  readonly type = 'discrete' as const;

  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Discrete: n must be a positive integer, got ${n}`);
  }

  explain(x: unknown): string | null {
    if (typeof x !== 'number' || !Number.isInteger(x)) return `expected an integer, got ${describe(x)}`;
    if (x < this.start || x >= this.start + this.n) return `${x} is outside {${this.start}, …, ${this.start + this.n - 1}}`;
    return null;
  }

  sample(rng: Rng): number {
    return this.start + rng.int(this.n);
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }

  toJSON(): SpaceJSON {
    return { type: 'discrete', n: this.n, start: this.start };
  }
}

/** A named collection of spaces; keys keep their insertion order. */
export class Dict<T extends { [key: string]: SpaceValue } = { [key: string]: SpaceValue }> extends Space<T> {
  readonly type = 'dict' as const;

  constructor(readonly spaces: { readonly [K in keyof T]: Space<T[K]> }) {
    super();
  }

  keys(): string[] {
    return Object.keys(this.spaces);
  }

  explain(x: unknown): string | null {
    if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x) || Array.isArray(x)) return `expected an object, got ${describe(x)}`;
    const obj = x as Record<string, unknown>;
    for (const key of Object.keys(obj)) if (!(key in this.spaces)) return `unexpected key "${key}"`;
    for (const [key, space] of Object.entries(this.spaces) as [string, Space][]) {
      if (!(key in obj)) return `missing key "${key}"`;
      const why = space.explain(obj[key]);
      if (why !== null) return `${key}: ${why}`;
    }
    return null;
  }

  sample(rng: Rng): T {
    const out: Record<string, SpaceValue> = {};
    for (const [key, space] of Object.entries(this.spaces) as [string, Space][]) out[key] = space.sample(rng);
    return out as T;
  }

  toString(): string {
    const parts = Object.entries(this.spaces as Record<string, Space>).map(([k, s]) => `${k}: ${s.toString()}`);
    return `Dict(${parts.join(', ')})`;
  }

  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const [key, space] of Object.entries(this.spaces as Record<string, Space>)) spaces[key] = space.toJSON();
    return { type: 'dict', spaces };
  }
}

/** A Box bound in JSON: a number, or ±Infinity written as a string (see `jsonNumber`). */
const JsonBoundSchema = z.union([z.number(), z.literal('Infinity'), z.literal('-Infinity')]);
/** At most 2^24 elements per Box: far beyond any camera frame, small enough to allocate. */
const MAX_BOX_SIZE = 2 ** 24;

const BoxJSONSchema = z
  .object({
    type: z.literal('box'),
    shape: z.array(z.number().int().positive()).min(1).max(8),
    dtype: z.enum(['float32', 'uint8']),
    low: z.array(JsonBoundSchema),
    high: z.array(JsonBoundSchema),
  })
  .refine((b) => b.shape.reduce((a, d) => a * d, 1) <= MAX_BOX_SIZE, 'shape has too many elements')
  .refine((b) => {
    const size = b.shape.reduce((a, d) => a * d, 1);
    return b.low.length === size && b.high.length === size && b.low.every((lo, i) => Number(lo) <= Number(b.high[i]));
  }, 'low and high need one value per element, low ≤ high');

const DiscreteJSONSchema = z.object({ type: z.literal('discrete'), n: z.number().int().positive(), start: z.number().int() });

/**
 * A space in JSON, checked all the way down, so that `spaceFromJSON` of a parsed value cannot fail:
 * what a saved policy or checkpoint reader validates its spaces with.
 */
export const SpaceJSONSchema: z.ZodType<SpaceJSON> = z.lazy(() =>
  z.union([BoxJSONSchema, DiscreteJSONSchema, z.object({ type: z.literal('dict'), spaces: z.record(z.string(), SpaceJSONSchema) })]),
);

/** Rebuild a space from `toJSON()` output (checkpoints store the spaces a policy was trained on). */
export function spaceFromJSON(json: SpaceJSON): Space {
  switch (json.type) {
    case 'box':
      return new Box(json.low as number[], json.high as number[], json.shape as number[], json.dtype as BoxDtype);
    case 'discrete':
      return new Discrete(json.n as number, json.start as number);
    case 'dict': {
      const spaces: Record<string, Space> = {};
      for (const [key, sub] of Object.entries(json.spaces as Record<string, SpaceJSON>)) spaces[key] = spaceFromJSON(sub);
      return new Dict(spaces);
    }
  }
}

/** True when two spaces have the same type, shapes, dtypes and bounds. */
export function spacesEqual(a: Space, b: Space): boolean {
  return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON());
}

function broadcast(v: number | ArrayLike<number>, size: number, name: string): Float32Array {
  if (typeof v === 'number') return new Float32Array(size).fill(v);
  if (v.length !== size) throw new RangeError(`Box: ${name} has length ${v.length}, shape needs ${size}`);
  return Float32Array.from(v);
}

function uniformValue(a: Float32Array): number | null {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return null;
  return a[0]!;
}

/** JSON has no Infinity: store it as the string "Infinity", which Float32Array.from reads back. */
function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : v > 0 ? 'Infinity' : '-Infinity';
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `${x.constructor.name} of length ${(x as unknown as ArrayLike<number>).length}`;
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return `string ${JSON.stringify(x.slice(0, 40))}`;
  return typeof x;
}
