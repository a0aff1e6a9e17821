/**
 * The on-disk format of a robonav dataset: a folder with `index.json` and binary shards.
 *
 * A shard (`shard-00000.bin`, little-endian) is
 * ```
 * offset 0   8 bytes  magic "RNVSHARD"
 * offset 8   u32      format version (SHARD_VERSION)
 * offset 12  u32      byte length L of the JSON header
 * offset 16  L bytes  JSON header: { frames, fields: [{ name, dtype, shape, offset, byteLength }] }
 *            …        one section per field: frames × prod(shape) values of its dtype, raw,
 *                     each starting on an 8-byte boundary so typed arrays view it in place
 * ```
 * Raw typed arrays, not PNGs: a 64×64 RGB + depth + semantic frame is 32 KiB and reads back with
 * one `readFileSync` and no decoding. `index.json` names every shard with its frame count, byte
 * size and SHA-1, so a truncated or corrupt shard is caught before its bytes are trusted. A shard is
 * at most MAX_SHARD_BYTES, what one `readFileSync` can load: the writer refuses a `framesPerShard`
 * that would pass it (smaller shards are also what lets the reader hold only a few in memory).
 */
import { endianness } from 'node:os';
import { z } from 'zod';

export const SHARD_MAGIC = 'RNVSHARD';
export const SHARD_VERSION = 1;
export const INDEX_FORMAT = 'robonav-dataset';
export const INDEX_VERSION = 1;
export const INDEX_FILE = 'index.json';
/** Most frames one shard may hold: readers address (shard, frame) pairs as shard·2²⁰ + frame. */
export const MAX_FRAMES_PER_SHARD = 0xfffff;
/** Largest shard file (bytes): Node's `readFileSync` reads at most 2 GiB − 1 bytes. */
export const MAX_SHARD_BYTES = 2 ** 31 - 1;
/** Sections start on this boundary (bytes) so Float64/Float32/Int32 views need no copy. */
export const SECTION_ALIGN = 8;

export const FIELD_DTYPES = ['uint8', 'uint16', 'int32', 'uint32', 'float32'] as const;
export type FieldDtype = (typeof FIELD_DTYPES)[number];
export type FieldArray = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float32Array;

/** One per-frame quantity: e.g. `{ name: 'rgb', dtype: 'uint8', shape: [64, 64, 3] }`. */
export interface FieldSpec {
  name: string;
  dtype: FieldDtype;
  /** Shape of one frame's value (row-major); its product is the values per frame. */
  shape: number[];
}

/** Flag bits of the standard `flags` field written by `collect`. */
export const FrameFlag = {
  /** The first observation of an episode (after reset). */
  FIRST: 1,
  /** The last observation of an episode: no action was taken from it. */
  LAST: 2,
  /** The episode ended for real (terminated); LAST without it means truncated by the time limit. */
  TERMINATED: 4,
} as const;

export function bytesPerValue(dtype: FieldDtype): number {
  return dtype === 'uint8' ? 1 : dtype === 'uint16' ? 2 : 4;
}

export function valuesPerFrame(field: FieldSpec): number {
  return field.shape.reduce((a, b) => a * b, 1);
}

/** Bytes one frame takes over all `fields` (a float: absurd shapes give huge numbers, not overflow). */
export function bytesPerFrame(fields: readonly FieldSpec[]): number {
  return fields.reduce((n, f) => n + valuesPerFrame(f) * bytesPerValue(f.dtype), 0);
}

export function allocateField(dtype: FieldDtype, length: number): FieldArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'float32':
      return new Float32Array(length);
  }
}

/** A typed-array view of `byteLength` bytes at `byteOffset` of `buffer` (which must be aligned). */
export function viewField(dtype: FieldDtype, buffer: ArrayBuffer, byteOffset: number, length: number): FieldArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
  }
}

/** Sections are the host's typed-array bytes, which the format fixes as little-endian. */
export function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('robonav datasets are little-endian; this host is big-endian');
}

export function alignUp(n: number, align = SECTION_ALIGN): number {
  return Math.ceil(n / align) * align;
}

export function shardFileName(index: number): string {
  return `shard-${String(index).padStart(5, '0')}.bin`;
}

const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected an identifier');
const count = z.number().int().nonnegative();

export const FieldSpecSchema = z
  .object({
    name: fieldName,
    dtype: z.enum(FIELD_DTYPES),
    shape: z.array(z.number().int().positive()).min(1),
  })
  .strict();

/** A field as laid out in one shard: where its section starts and how long it is (bytes). */
export const ShardSectionSchema = FieldSpecSchema.extend({ offset: count, byteLength: count }).strict();
export type ShardSection = z.infer<typeof ShardSectionSchema>;

export const ShardHeaderSchema = z.object({ frames: count, fields: z.array(ShardSectionSchema).min(1) }).strict();
export type ShardHeader = z.infer<typeof ShardHeaderSchema>;

export const ShardEntrySchema = z
  .object({
    file: z.string().regex(/^shard-\d{5}\.bin$/, 'expected shard-NNNNN.bin'),
    frames: count.max(MAX_FRAMES_PER_SHARD),
    bytes: count.max(MAX_SHARD_BYTES),
    /** SHA-1 of the whole shard file, hex. */
    sha1: z.string().regex(/^[0-9a-f]{40}$/, 'expected 40 hex digits'),
  })
  .strict();
export type ShardEntry = z.infer<typeof ShardEntrySchema>;

/** One recorded episode (or the unfinished tail of one, when collection stopped mid-episode). */
export const EpisodeEntrySchema = z
  .object({
    id: count,
    /** The episode's scene seed (`info.sceneSeed` of the reset): train/val hold-outs split by it. */
    seed: count,
    /** Frames recorded, including the final observation when `complete`. */
    frames: count,
    /** The episode reached terminated/truncated within the collection budget. */
    complete: z.boolean(),
    /** Sum of rewards (a plain number: no unit). */
    return: z.number(),
    /** Final-info metrics of a complete episode (success, spl, …), else empty. */
    metrics: z.record(z.string(), z.number()),
  })
  .strict();
/** One recorded episode in a dataset's index: its id, scene seed, frame count, return and final metrics. */
export type EpisodeEntry = z.infer<typeof EpisodeEntrySchema>;

export const DatasetIndexSchema = z
  .object({
    format: z.literal(INDEX_FORMAT),
    version: z.literal(INDEX_VERSION),
    frames: count,
    fields: z.array(FieldSpecSchema).min(1),
    shards: z.array(ShardEntrySchema),
    episodes: z.array(EpisodeEntrySchema),
    /** How the data was made (env id, policy, seed, split, camera …): free-form, for people. */
    meta: z.record(z.string(), z.unknown()),
  })
  .strict();
/** A dataset's `index.json`: format and version, frame count, fields, shards and episodes. */
export type DatasetIndex = z.infer<typeof DatasetIndexSchema>;
