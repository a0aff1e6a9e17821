/**
 * Reads a dataset folder written by `ShardWriter`: validates `index.json`, checks each shard's size
 * and SHA-1 before trusting its bytes, and streams shuffled batches of frames (or windows of
 * consecutive frames of one episode) while holding only a few shards in memory.
 *
 * Every defect of a file on disk — missing, truncated, corrupt, inconsistent with the index — is a
 * `FileFormatError` whose message starts with the file's path. `open` checks every shard's size
 * against `index.json` and the frames it announces against those sizes, so that what the index says
 * (frame counts, field shapes) can never ask for more memory than the shards on disk hold.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FileFormatError, formatZodError } from '../../core/errors.js';
import { readJsonFile } from '../../core/jsonFile.js';
import { Rng } from '../../core/Rng.js';
import {
  DatasetIndexSchema,
  INDEX_FILE,
  MAX_FRAMES_PER_SHARD,
  MAX_SHARD_BYTES,
  SECTION_ALIGN,
  SHARD_MAGIC,
  SHARD_VERSION,
  ShardHeaderSchema,
  type ShardHeader,
  allocateField,
  assertLittleEndian,
  bytesPerFrame,
  bytesPerValue,
  valuesPerFrame,
  viewField,
  type DatasetIndex,
  type EpisodeEntry,
  type FieldArray,
  type FieldSpec,
  type ShardEntry,
} from './format.js';

/** One shard in memory: a typed array per field, frame-major. */
export interface Shard {
  path: string;
  frames: number;
  data: Record<string, FieldArray>;
}

/**
 * A batch of frames gathered from the shards: `data[name]` holds `size × prod(shape)` values
 * (`size × length × prod(shape)` for windows). The arrays are reused by the next batch of the
 * same generator: turn them into tensors (or copy them) before asking for the next one.
 */
export interface FrameBatch {
  size: number;
  /** Frames per item: 1 for `batches`, the window length for `windows`. */
  length: number;
  data: Record<string, FieldArray>;
}

/** How batches are drawn: size, fields, seed, shuffling, and which episodes. */
export interface BatchOptions {
  batchSize: number;
  /** Fields to gather. @default every field */
  fields?: string[];
  /** Seeds the shard order and the frame shuffle. @default 0 */
  seed?: number;
  /** Shuffle shards and frames; false streams frames in recorded order. @default true */
  shuffle?: boolean;
  /** Passes over the data; `Infinity` streams forever. @default 1 */
  epochs?: number;
  /** Shards held in memory and shuffled together. @default 2 */
  shardsInMemory?: number;
  /** Keep only frames of these episodes (needs an `episode` field). @default all */
  episodes?: ReadonlySet<number>;
  /** Skip frames flagged LAST (final observations, from which no action was taken). @default false */
  skipLast?: boolean;
  /** Yield the short remainder of each group of shards as a smaller batch. @default false */
  keepRemainder?: boolean;
}

/** How windows of consecutive frames of one episode are drawn (for recurrent pretraining). */
export interface WindowOptions extends Omit<BatchOptions, 'skipLast'> {
  /** Consecutive frames of one episode per item. */
  length: number;
}

/**
 * A dataset folder written by `ShardWriter`, validated and read back as shuffled batches of frames
 * or windows of consecutive frames, holding only a few shards in memory.
 */
export class ShardReader {
  readonly dir: string;
  readonly index: DatasetIndex;
  private readonly fieldByName = new Map<string, FieldSpec>();

  private constructor(dir: string, index: DatasetIndex) {
    this.dir = dir;
    this.index = index;
    for (const f of index.fields) this.fieldByName.set(f.name, f);
  }

  /**
   * Open a dataset folder; throws `FileFormatError` naming `index.json` when it is missing or
   * invalid, or naming a shard that is missing or not of the size the index says.
   */
  static open(dir: string): ShardReader {
    assertLittleEndian();
    const root = resolve(dir);
    const indexPath = join(root, INDEX_FILE);
    const index = readJsonFile(indexPath, DatasetIndexSchema, 'missing: not a robonav dataset folder');
    const sum = index.shards.reduce((a, s) => a + s.frames, 0);
    if (sum !== index.frames) throw new FileFormatError(indexPath, `shards hold ${sum} frames but frames = ${index.frames}`);
    const names = new Set(index.fields.map((f) => f.name));
    if (names.size !== index.fields.length) throw new FileFormatError(indexPath, 'a field name appears twice');
    const frameBytes = bytesPerFrame(index.fields);
    if (frameBytes > MAX_SHARD_BYTES)
      throw new FileFormatError(indexPath, `a frame of its fields is ${frameBytes} bytes, more than a shard may hold (${MAX_SHARD_BYTES})`);
    for (const entry of index.shards) {
      checkShardSize(join(root, entry.file), entry);
      if (entry.frames * frameBytes > entry.bytes)
        throw new FileFormatError(
          indexPath,
          `${entry.file}: ${entry.frames} frames of ${frameBytes} bytes cannot fit in its ${entry.bytes} bytes`,
        );
    }
    return new ShardReader(root, index);
  }

  get numFrames(): number {
    return this.index.frames;
  }

  get numShards(): number {
    return this.index.shards.length;
  }

  /** The spec of a field; throws a RangeError listing the dataset's fields when absent. */
  field(name: string): FieldSpec {
    const f = this.fieldByName.get(name);
    if (!f) throw new RangeError(`dataset ${this.dir} has no field "${name}" (fields: ${[...this.fieldByName.keys()].join(', ')})`);
    return f;
  }

  hasField(name: string): boolean {
    return this.fieldByName.has(name);
  }

  /** Load and validate shard `i` (size, checksum, magic, version, header vs index). */
  readShard(i: number): Shard {
    const entry = this.index.shards[i];
    if (!entry) throw new RangeError(`dataset ${this.dir} has ${this.numShards} shards, asked for #${i}`);
    const path = join(this.dir, entry.file);
    // Checked again before reading it whole: the file may have changed since `open` (the SHA-1 below catches any other change).
    checkShardSize(path, entry);
    let bytes = readFileSync(path);
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    if (sha1 !== entry.sha1) throw new FileFormatError(path, `corrupt: SHA-1 ${sha1} does not match index.json (${entry.sha1})`);
    if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== SHARD_MAGIC)
      throw new FileFormatError(path, 'not a robonav shard (bad magic)');
    const version = bytes.readUInt32LE(8);
    if (version !== SHARD_VERSION)
      throw new FileFormatError(path, `shard format version ${version}; this robonav reads version ${SHARD_VERSION}`);
    const headerBytes = bytes.readUInt32LE(12);
    if (16 + headerBytes > bytes.length) throw new FileFormatError(path, `header length ${headerBytes} runs past the end of the file`);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8', 16, 16 + headerBytes));
    } catch (err) {
      throw new FileFormatError(path, `bad header (not valid JSON: ${(err as Error).message})`);
    }
    const parsed = ShardHeaderSchema.safeParse(json);
    if (!parsed.success) throw new FileFormatError(path, `bad header (${formatZodError(parsed.error)})`);
    const header: ShardHeader = parsed.data;
    if (header.frames !== entry.frames) throw new FileFormatError(path, `holds ${header.frames} frames, index.json says ${entry.frames}`);
    if (bytes.byteOffset % SECTION_ALIGN !== 0) bytes = Buffer.from(bytes);
    const data: Record<string, FieldArray> = {};
    for (const spec of this.index.fields) {
      const s = header.fields.find((h) => h.name === spec.name);
      if (!s || s.dtype !== spec.dtype || s.shape.join() !== spec.shape.join()) {
        throw new FileFormatError(path, `field "${spec.name}" differs from index.json (${s ? `${s.dtype}[${s.shape}]` : 'absent'})`);
      }
      const length = header.frames * valuesPerFrame(spec);
      if (s.byteLength !== length * bytesPerValue(spec.dtype) || s.offset % SECTION_ALIGN !== 0 || s.offset + s.byteLength > bytes.length) {
        throw new FileFormatError(path, `section "${spec.name}" is out of bounds or misaligned`);
      }
      // Copy out of the file buffer: the shard's sections then own compact, independent memory.
      data[spec.name] = viewField(spec.dtype, bytes.buffer as ArrayBuffer, bytes.byteOffset + s.offset, length).slice();
    }
    return { path, frames: header.frames, data };
  }

  /** Every frame of the dataset in recorded order (small datasets, tests, baselines). */
  readAll(fields?: string[]): FrameBatch {
    const names = fields ?? this.index.fields.map((f) => f.name);
    const out = this.allocate(names, this.numFrames);
    let at = 0;
    for (let i = 0; i < this.numShards; i++) {
      const shard = this.readShard(i);
      for (const name of names) out[name]!.set(shard.data[name]!, at * valuesPerFrame(this.field(name)));
      at += shard.frames;
    }
    return { size: this.numFrames, length: 1, data: out };
  }

  /** Shuffled batches of single frames, streamed shard group by shard group. */
  *batches(options: BatchOptions): Generator<FrameBatch> {
    const names = options.fields ?? this.index.fields.map((f) => f.name);
    const batchSize = checkPositive(options.batchSize, 'batchSize');
    const sizes = names.map((n) => valuesPerFrame(this.field(n)));
    // No shard bounds the field shapes of an empty dataset: allocate nothing for them.
    if (this.numFrames === 0) return;
    const out = this.allocate(names, batchSize);
    const needsEpisode = options.episodes !== undefined;
    if (needsEpisode) this.field('episode');
    if (options.skipLast) this.field('flags');
    for (const group of this.groups(options)) {
      // (shard, frame) pairs that pass the filters, shuffled across the whole group.
      const picks: number[] = [];
      group.shards.forEach((shard, s) => {
        const episode = shard.data.episode;
        const flags = shard.data.flags;
        for (let f = 0; f < shard.frames; f++) {
          if (needsEpisode && !options.episodes!.has(episode![f]!)) continue;
          if (options.skipLast && (flags![f]! & 2) !== 0) continue;
          picks.push(s * SHARD_STRIDE + f);
        }
      });
      if (group.rng) group.rng.shuffle(picks);
      for (let start = 0; start < picks.length; start += batchSize) {
        const size = Math.min(batchSize, picks.length - start);
        if (size < batchSize && !options.keepRemainder) break;
        for (let b = 0; b < size; b++) {
          const pick = picks[start + b]!;
          const shard = group.shards[Math.floor(pick / SHARD_STRIDE)]!;
          const frame = pick % SHARD_STRIDE;
          for (let k = 0; k < names.length; k++) {
            const n = sizes[k]!;
            out[names[k]!]!.set(shard.data[names[k]!]!.subarray(frame * n, (frame + 1) * n), b * n);
          }
        }
        yield { size, length: 1, data: size === batchSize ? out : trim(out, names, sizes, size) };
      }
    }
  }

  /**
   * Shuffled windows of `length` consecutive frames of one episode (within one shard), for
   * sequence models: `data[name]` is `[batchSize, length, ...shape]`.
   */
  *windows(options: WindowOptions): Generator<FrameBatch> {
    const names = options.fields ?? this.index.fields.map((f) => f.name);
    const batchSize = checkPositive(options.batchSize, 'batchSize');
    const length = checkPositive(options.length, 'length');
    this.field('episode');
    const sizes = names.map((n) => valuesPerFrame(this.field(n)));
    if (this.numFrames === 0) return;
    const out = this.allocate(names, batchSize * length);
    for (const group of this.groups(options)) {
      const starts: number[] = [];
      group.shards.forEach((shard, s) => {
        const episode = shard.data.episode!;
        for (let f = 0; f + length <= shard.frames; f++) {
          if (episode[f] !== episode[f + length - 1]) continue; // frames are in order, so the window is one episode
          if (options.episodes && !options.episodes.has(episode[f]!)) continue;
          starts.push(s * SHARD_STRIDE + f);
        }
      });
      if (group.rng) group.rng.shuffle(starts);
      for (let start = 0; start < starts.length; start += batchSize) {
        const size = Math.min(batchSize, starts.length - start);
        if (size < batchSize && !options.keepRemainder) break;
        for (let b = 0; b < size; b++) {
          const pick = starts[start + b]!;
          const shard = group.shards[Math.floor(pick / SHARD_STRIDE)]!;
          const first = pick % SHARD_STRIDE;
          for (let k = 0; k < names.length; k++) {
            const n = sizes[k]!;
            out[names[k]!]!.set(shard.data[names[k]!]!.subarray(first * n, (first + length) * n), b * length * n);
          }
        }
        yield {
          size,
          length,
          data:
            size === batchSize
              ? out
              : trim(
                  out,
                  names,
                  sizes.map((n) => n * length),
                  size,
                ),
        };
      }
    }
  }

  private allocate(names: string[], frames: number): Record<string, FieldArray> {
    const out: Record<string, FieldArray> = {};
    for (const name of names) {
      const f = this.field(name);
      out[name] = allocateField(f.dtype, frames * valuesPerFrame(f));
    }
    return out;
  }

  /** Groups of `shardsInMemory` loaded shards, epoch after epoch, in (seeded) shuffled order. */
  private *groups(options: BatchOptions | WindowOptions): Generator<{ shards: Shard[]; rng: Rng | null }> {
    const shuffle = options.shuffle ?? true;
    const rng = shuffle ? new Rng(options.seed ?? 0) : null;
    const epochs = options.epochs ?? 1;
    const perGroup = checkPositive(options.shardsInMemory ?? 2, 'shardsInMemory');
    if (this.numShards === 0) return;
    const order = Array.from({ length: this.numShards }, (_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (rng) rng.shuffle(order);
      for (let g = 0; g < order.length; g += perGroup) {
        yield { shards: order.slice(g, g + perGroup).map((i) => this.readShard(i)), rng };
      }
    }
  }
}

/** Throws a `FileFormatError` naming the shard when it is missing or not `entry.bytes` long. */
function checkShardSize(path: string, entry: ShardEntry): void {
  const size = statSync(path, { throwIfNoEntry: false })?.size;
  if (size === undefined) throw new FileFormatError(path, 'missing (listed in index.json)');
  if (size !== entry.bytes) {
    const what = size < entry.bytes ? 'truncated' : 'too long';
    throw new FileFormatError(path, `${what}: ${size} bytes, index.json says ${entry.bytes}`);
  }
}

/** (shard, frame) pairs are packed as shard · SHARD_STRIDE + frame (frames per shard < 2²⁰). */
const SHARD_STRIDE = MAX_FRAMES_PER_SHARD + 1;

function checkPositive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`ShardReader: ${name} must be an integer >= 1, got ${value}`);
  return value;
}

function trim(out: Record<string, FieldArray>, names: string[], sizes: number[], size: number): Record<string, FieldArray> {
  const trimmed: Record<string, FieldArray> = {};
  names.forEach((name, k) => {
    trimmed[name] = out[name]!.subarray(0, size * sizes[k]!);
  });
  return trimmed;
}

/** How a field becomes a float32 tensor: `value * scale + offset`. */
export interface TensorScale {
  scale?: number;
  offset?: number;
}

/**
 * A float32 tensor `[size, (length,) ...shape]` of one field of a batch, `value * scale + offset`
 * (e.g. RGB bytes to [-1, 1] with scale 2/255, offset -1). Converted in one pass over the typed
 * array, inside `tf.tidy`: the caller owns (and disposes) only the returned tensor.
 */
export function fieldTensor(reader: ShardReader, batch: FrameBatch, name: string, { scale = 1, offset = 0 }: TensorScale = {}): tf.Tensor {
  const spec = reader.field(name);
  const src = batch.data[name];
  if (!src) throw new RangeError(`batch has no field "${name}"`);
  const values = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) values[i] = src[i]! * scale + offset;
  const shape = batch.length === 1 ? [batch.size, ...spec.shape] : [batch.size, batch.length, ...spec.shape];
  return tf.tidy(() => tf.tensor(values, shape, 'float32'));
}

/**
 * Split a dataset's episodes by their reset seed (which fixes the scene): about `valFraction` of
 * the scenes go to validation, never sharing a scene with training. Deterministic: episodes are
 * ordered by seed and every k-th seed is held out.
 */
export function splitEpisodesBySeed(episodes: readonly EpisodeEntry[], valFraction = 0.1): { train: Set<number>; val: Set<number> } {
  const seeds = [...new Set(episodes.map((e) => e.seed))].sort((a, b) => a - b);
  const every = Math.max(2, Math.round(1 / Math.max(valFraction, 1e-9)));
  const valSeeds = new Set(
    seeds.length < 2 ? [] : seeds.filter((_, i) => i % every === every - 1 || (seeds.length < every && i === seeds.length - 1)),
  );
  const train = new Set<number>();
  const val = new Set<number>();
  for (const e of episodes) (valSeeds.has(e.seed) ? val : train).add(e.id);
  return { train, val };
}
