/**
 * Writes a dataset folder (see `format.ts`): frames are appended one at a time into preallocated
 * per-field buffers; each full buffer becomes one shard. Everything is written into a sibling
 * `<dir>.partial-<pid>` folder that is renamed to `<dir>` by `finish()`, so a dataset either
 * appears whole or not at all (an interrupted collection leaves no half dataset under `<dir>`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatZodError, UsageError } from '../../core/errors.js';
import {
  FieldSpecSchema,
  INDEX_FILE,
  INDEX_FORMAT,
  INDEX_VERSION,
  MAX_FRAMES_PER_SHARD,
  MAX_SHARD_BYTES,
  SHARD_MAGIC,
  SHARD_VERSION,
  alignUp,
  allocateField,
  assertLittleEndian,
  bytesPerFrame,
  bytesPerValue,
  shardFileName,
  valuesPerFrame,
  type DatasetIndex,
  type EpisodeEntry,
  type FieldArray,
  type FieldSpec,
  type ShardEntry,
  type ShardHeader,
  type ShardSection,
} from './format.js';

/** The per-frame fields and how many frames go in a shard. */
export interface ShardWriterOptions {
  /** The per-frame fields, in the order their sections are laid out. */
  fields: FieldSpec[];
  /** Frames per shard. @default 512 (about 16 MiB for 64×64 RGB + depth + semantic) */
  framesPerShard?: number;
}

export const DEFAULT_FRAMES_PER_SHARD = 512;

/** Writes a frame dataset one frame at a time into shards; the folder appears whole at `finish()` or not at all. */
export class ShardWriter {
  readonly dir: string;
  readonly fields: readonly FieldSpec[];
  readonly framesPerShard: number;
  private readonly partialDir: string;
  private readonly buffers: FieldArray[];
  private readonly sizes: number[];
  private readonly shards: ShardEntry[] = [];
  private inShard = 0;
  private total = 0;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  /**
   * Throws a `UsageError` (and creates nothing) when `dir` already exists, a field is malformed, or
   * a full shard would be larger than a reader can load (MAX_SHARD_BYTES).
   */
  constructor(dir: string, options: ShardWriterOptions) {
    assertLittleEndian();
    this.dir = resolve(dir);
    if (existsSync(this.dir)) throw new UsageError(`dataset folder ${dir} already exists; choose a new --out`);
    const names = new Set<string>();
    for (const field of options.fields) {
      const parsed = FieldSpecSchema.safeParse(field);
      if (!parsed.success) throw new UsageError(formatZodError(parsed.error, `dataset field ${JSON.stringify(field)}`));
      if (names.has(field.name)) throw new UsageError(`dataset field "${field.name}" appears twice`);
      names.add(field.name);
    }
    if (options.fields.length === 0) throw new UsageError('a dataset needs at least one field');
    this.framesPerShard = options.framesPerShard ?? DEFAULT_FRAMES_PER_SHARD;
    if (!Number.isInteger(this.framesPerShard) || this.framesPerShard < 1 || this.framesPerShard > MAX_FRAMES_PER_SHARD) {
      throw new UsageError(`framesPerShard must be an integer in [1, ${MAX_FRAMES_PER_SHARD}], got ${this.framesPerShard}`);
    }
    this.fields = options.fields.map((f) => ({ name: f.name, dtype: f.dtype, shape: [...f.shape] }));
    this.sizes = this.fields.map(valuesPerFrame);
    const largest = layoutShard(this.fields, this.sizes, this.framesPerShard).totalBytes;
    if (largest > MAX_SHARD_BYTES) {
      throw new UsageError(
        `framesPerShard ${this.framesPerShard} makes shards of ${largest} bytes, more than the ${MAX_SHARD_BYTES} a shard may hold (a frame is ${bytesPerFrame(this.fields)} bytes)`,
      );
    }
    this.buffers = this.fields.map((f, i) => allocateField(f.dtype, this.sizes[i]! * this.framesPerShard));
    this.partialDir = join(dirname(this.dir), `.${this.dir.slice(dirname(this.dir).length + 1)}.partial-${process.pid}`);
    rmSync(this.partialDir, { recursive: true, force: true });
    mkdirSync(this.partialDir, { recursive: true });
  }

  /** Frames appended so far. */
  get frames(): number {
    return this.total;
  }

  /**
   * Append one frame: a value for every field, each of exactly `prod(shape)` numbers. Values are
   * copied, so the caller may reuse its buffers (env observations are overwritten every step).
   */
  append(values: Readonly<Record<string, ArrayLike<number> | number>>): void {
    if (this.state !== 'open') throw new Error(`ShardWriter(${this.dir}): append after ${this.state === 'finished' ? 'finish' : 'abort'}`);
    for (let f = 0; f < this.fields.length; f++) {
      const field = this.fields[f]!;
      const value = values[field.name];
      const size = this.sizes[f]!;
      const offset = this.inShard * size;
      if (typeof value === 'number' && size === 1) {
        this.buffers[f]![offset] = value;
        continue;
      }
      if (value === undefined || typeof value === 'number' || value.length !== size) {
        const got = value === undefined ? 'nothing' : typeof value === 'number' ? 'a number' : `${value.length} values`;
        throw new RangeError(`ShardWriter: field "${field.name}" needs ${size} values per frame, got ${got}`);
      }
      const buffer = this.buffers[f]!;
      if (ArrayBuffer.isView(value)) buffer.set(value as unknown as ArrayLike<number>, offset);
      else for (let i = 0; i < size; i++) buffer[offset + i] = value[i]!;
    }
    this.inShard++;
    this.total++;
    if (this.inShard === this.framesPerShard) this.flush();
  }

  /** Write the last shard and `index.json`, then move the folder into place. Returns the index. */
  finish(extra: { episodes?: EpisodeEntry[]; meta?: Record<string, unknown> } = {}): DatasetIndex {
    if (this.state !== 'open') throw new Error(`ShardWriter(${this.dir}): finish after ${this.state}`);
    if (this.inShard > 0) this.flush();
    const index: DatasetIndex = {
      format: INDEX_FORMAT,
      version: INDEX_VERSION,
      frames: this.total,
      fields: this.fields.map((f) => ({ ...f, shape: [...f.shape] })),
      shards: this.shards,
      episodes: extra.episodes ?? [],
      meta: extra.meta ?? {},
    };
    writeFileSync(join(this.partialDir, INDEX_FILE), `${JSON.stringify(index, null, 1)}\n`);
    if (existsSync(this.dir)) {
      this.abort();
      throw new UsageError(`dataset folder ${this.dir} appeared while writing; nothing written`);
    }
    mkdirSync(dirname(this.dir), { recursive: true });
    renameSync(this.partialDir, this.dir);
    this.state = 'finished';
    return index;
  }

  /** Delete everything written so far. */
  abort(): void {
    if (this.state === 'open') rmSync(this.partialDir, { recursive: true, force: true });
    this.state = 'aborted';
  }

  private flush(): void {
    const frames = this.inShard;
    const { headerJson, sections, totalBytes } = layoutShard(this.fields, this.sizes, frames);
    const out = Buffer.alloc(totalBytes);
    out.write(SHARD_MAGIC, 0, 'latin1');
    out.writeUInt32LE(SHARD_VERSION, 8);
    out.writeUInt32LE(Buffer.byteLength(headerJson), 12);
    out.write(headerJson, 16, 'utf8');
    for (let f = 0; f < sections.length; f++) {
      const s = sections[f]!;
      const src = this.buffers[f]!;
      const bytes = new Uint8Array(src.buffer, src.byteOffset, s.byteLength);
      out.set(bytes, s.offset);
    }
    const file = shardFileName(this.shards.length);
    writeFileSync(join(this.partialDir, file), out);
    this.shards.push({ file, frames, bytes: totalBytes, sha1: createHash('sha1').update(out).digest('hex') });
    this.inShard = 0;
  }
}

/** Where each field's section goes in a shard of `frames` frames, the header JSON saying so, and the file's size (bytes). */
function layoutShard(
  fields: readonly FieldSpec[],
  sizes: readonly number[],
  frames: number,
): { headerJson: string; sections: ShardSection[]; totalBytes: number } {
  const sections = fields.map((f, i) => ({ ...f, offset: 0, byteLength: sizes[i]! * frames * bytesPerValue(f.dtype) }));
  // The header records section offsets, which depend on the header's own length: lay out with
  // placeholder offsets of the final width, measure, then fill in the real ones.
  let headerJson = '';
  for (let pass = 0; pass < 3; pass++) {
    let offset = alignUp(16 + Buffer.byteLength(headerJson));
    for (const s of sections) {
      s.offset = offset;
      offset = alignUp(offset + s.byteLength);
    }
    const header: ShardHeader = { frames, fields: sections };
    headerJson = JSON.stringify(header);
  }
  if (alignUp(16 + Buffer.byteLength(headerJson)) > sections[0]!.offset) throw new Error('ShardWriter: header layout did not converge');
  const last = sections[sections.length - 1]!;
  return { headerJson, sections, totalBytes: alignUp(last.offset + last.byteLength) };
}
