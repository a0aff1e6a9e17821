/**
 * Format fuzzing of dataset folders (see tests/helpers/fuzz.ts): a valid three-shard dataset, with
 * `index.json` mutated (frame counts, shapes and sizes made huge, fields removed), a shard mutated
 * as the index last saw it (size and SHA-1 checks), and a shard mutated then re-signed in the index
 * so that its header, header length and sections are what the reader must check. Opening the
 * folder and drawing every frame, batch and window must work or throw a `FileFormatError` naming
 * a file of the folder.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/Rng.js';
import { ShardReader } from '../../../src/pretrain/dataset/ShardReader.js';
import { ShardWriter } from '../../../src/pretrain/dataset/ShardWriter.js';
import type { DatasetIndex, FieldSpec } from '../../../src/pretrain/dataset/format.js';
import {
  byteMutation,
  fuzzRuns,
  jsonFileMutation,
  jsonMutation,
  mutateBytes,
  mutateJson,
  mutateJsonText,
  RSS_BOUND,
  readsOrNamesFile,
} from '../../helpers/fuzz.js';

const FIELDS: FieldSpec[] = [
  { name: 'rgb', dtype: 'uint8', shape: [3, 4, 3] },
  { name: 'depth', dtype: 'float32', shape: [3, 4, 1] },
  { name: 'action', dtype: 'int32', shape: [1] },
  { name: 'episode', dtype: 'uint32', shape: [1] },
  { name: 'flags', dtype: 'uint8', shape: [1] },
];

const root = mkdtempSync(join(tmpdir(), 'robonav-shards-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 20 frames of 3 episodes in shards of 8 frames. */
function writeValid(dir: string): void {
  const rng = new Rng(3);
  const writer = new ShardWriter(dir, { fields: FIELDS, framesPerShard: 8 });
  for (let f = 0; f < 20; f++) {
    writer.append({
      rgb: new Uint8Array(36).map(() => rng.int(256)),
      depth: new Float32Array(12).map(() => rng.uniform(0, 10)),
      action: new Int32Array([rng.int(4)]),
      episode: new Uint32Array([Math.floor(f / 7)]),
      flags: new Uint8Array([f % 7 === 0 ? 1 : 0]),
    });
  }
  writer.finish({ episodes: [0, 1, 2].map((id) => ({ id, seed: id, frames: 7, complete: true, return: 0, metrics: {} })) });
}

/** Open the folder and draw everything it holds every way the trainers do. */
function readEverything(dir: string): void {
  const reader = ShardReader.open(dir);
  reader.readAll();
  for (const _ of reader.batches({ batchSize: 4, keepRemainder: true, skipLast: reader.hasField('flags') })) {
    // drawing the batch is the test
  }
  if (reader.hasField('episode'))
    for (const _ of reader.windows({ batchSize: 2, length: 3, keepRemainder: true })) {
      // drawing the window is the test
    }
}

/** Offsets of the u32 fields of a shard's prefix (format version, header length). */
const PREFIX_FIELDS = [8, 12];

describe('ShardReader on mutated datasets', () => {
  const valid = join(root, 'valid');
  writeValid(valid);
  const index: DatasetIndex = JSON.parse(readFileSync(join(valid, 'index.json'), 'utf8'));
  const indexText = readFileSync(join(valid, 'index.json'), 'utf8');
  const shards = index.shards.map((s) => readFileSync(join(valid, s.file)));
  const dir = join(root, 'case');
  cpSync(valid, dir, { recursive: true });
  const rss = process.memoryUsage().rss;

  /** Read `dir` with `files` (name → bytes) in place of the valid ones, then put the valid ones back. */
  const readWith = async (files: Record<string, Uint8Array>): Promise<void> => {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    try {
      await readsOrNamesFile(() => readEverything(dir), dir);
    } finally {
      for (const name of Object.keys(files)) cpSync(join(valid, name), join(dir, name));
    }
  };

  /** Shard `i` as `bytes`, with index.json updated to its size and SHA-1. */
  const resigned = (i: number, bytes: Buffer): Record<string, Uint8Array> => {
    const entries = index.shards.map((s, k) =>
      k === i ? { ...s, bytes: bytes.byteLength, sha1: createHash('sha1').update(bytes).digest('hex') } : s,
    );
    return { [index.shards[i]!.file]: bytes, 'index.json': Buffer.from(JSON.stringify({ ...index, shards: entries })) };
  };

  it('reads the unmutated dataset', () => {
    expect(shards.length).toBe(3);
    readEverything(dir);
  });

  it('a mutated index.json: text damaged, or a value made huge, negative, fractional, of another type, or removed', async () => {
    await fc.assert(
      fc.asyncProperty(jsonFileMutation, (m) => readWith({ 'index.json': mutateJsonText(indexText, m) })),
      fuzzRuns(150),
    );
  });

  it('a mutated shard the index does not know of: truncated, bit-flipped, a u32 overwritten', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), byteMutation, (pick, m) => {
        const i = pick % shards.length;
        return readWith({ [index.shards[i]!.file]: mutateBytes(shards[i]!, m, PREFIX_FIELDS) });
      }),
      fuzzRuns(60),
    );
  });

  it('a mutated shard re-signed in the index: its prefix, header and sections must be checked on their own', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), byteMutation, (pick, m) => {
        const i = pick % shards.length;
        return readWith(resigned(i, mutateBytes(shards[i]!, m, PREFIX_FIELDS)));
      }),
      fuzzRuns(150),
    );
  });

  it('a shard header with a value made huge, negative, fractional, of another type, or removed, re-signed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), jsonMutation, (pick, m) => {
        const i = pick % shards.length;
        const shard = shards[i]!;
        const length = shard.readUInt32LE(12);
        const header = Buffer.from(JSON.stringify(mutateJson(JSON.parse(shard.toString('utf8', 16, 16 + length)), m)));
        const prefix = Buffer.from(shard.subarray(0, 16));
        prefix.writeUInt32LE(header.byteLength, 12);
        // The sections stay where they were: the header may now overlap them, or leave a gap.
        const mutated = Buffer.from(shard);
        Buffer.concat([prefix, header]).copy(mutated, 0, 0, Math.min(shard.byteLength, 16 + header.byteLength));
        return readWith(resigned(i, mutated));
      }),
      fuzzRuns(120),
    );
  });

  it('stays within the memory bound over every property', () => {
    expect(process.memoryUsage().rss - rss).toBeLessThan(RSS_BOUND);
  });
});
