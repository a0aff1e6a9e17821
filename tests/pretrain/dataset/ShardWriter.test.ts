import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileFormatError, UsageError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/Rng.js';
import { initBackend } from '../../../src/nn/backend.js';
import { ShardReader, fieldTensor, splitEpisodesBySeed } from '../../../src/pretrain/dataset/ShardReader.js';
import { ShardWriter } from '../../../src/pretrain/dataset/ShardWriter.js';
import { MAX_FRAMES_PER_SHARD, type FieldSpec } from '../../../src/pretrain/dataset/format.js';

const FIELDS: FieldSpec[] = [
  { name: 'rgb', dtype: 'uint8', shape: [4, 5, 3] },
  { name: 'depth', dtype: 'float32', shape: [4, 5, 1] },
  { name: 'pose', dtype: 'float32', shape: [3] },
  { name: 'action', dtype: 'int32', shape: [1] },
  { name: 'episode', dtype: 'uint32', shape: [1] },
  { name: 'flags', dtype: 'uint8', shape: [1] },
];

let root: string;
beforeAll(async () => {
  await initBackend();
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'robonav-shards-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** 23 frames over 3 episodes (lengths 9, 8, 6), random values including NaN/-0/extremes. */
function frames(): Array<Record<string, Uint8Array | Float32Array | Int32Array | Uint32Array>> {
  const rng = new Rng(5);
  const out = [];
  const lengths = [9, 8, 6];
  for (let e = 0; e < lengths.length; e++) {
    for (let t = 0; t < lengths[e]!; t++) {
      const rgb = new Uint8Array(60).map(() => rng.int(256));
      const depth = new Float32Array(20).map(() => rng.uniform(0, 10));
      depth[0] = t === 0 ? Number.NaN : -0;
      out.push({
        rgb,
        depth,
        pose: new Float32Array([rng.normal(), rng.normal(), rng.uniform(-Math.PI, Math.PI)]),
        action: new Int32Array([t === lengths[e]! - 1 ? -1 : rng.int(4)]),
        episode: new Uint32Array([e]),
        flags: new Uint8Array([(t === 0 ? 1 : 0) | (t === lengths[e]! - 1 ? 2 : 0)]),
      });
    }
  }
  return out;
}

function writeDataset(dir: string, framesPerShard = 10): ReturnType<typeof frames> {
  const data = frames();
  const writer = new ShardWriter(dir, { fields: FIELDS, framesPerShard });
  for (const f of data) writer.append(f);
  writer.finish({
    episodes: [0, 1, 2].map((id) => ({ id, seed: 100 + id, frames: [9, 8, 6][id]!, complete: true, return: 0, metrics: {} })),
    meta: { test: true },
  });
  return data;
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe('ShardWriter + ShardReader', () => {
  it('round-trips every field bit-exactly across shards', () => {
    const dir = join(root, 'ds');
    const data = writeDataset(dir);
    expect(readdirSync(dir).sort()).toEqual(['index.json', 'shard-00000.bin', 'shard-00001.bin', 'shard-00002.bin']);
    expect(readdirSync(root)).toEqual(['ds']); // no partial folder left behind
    const reader = ShardReader.open(dir);
    expect(reader.numFrames).toBe(23);
    expect(reader.index.shards.map((s) => s.frames)).toEqual([10, 10, 3]);
    const all = reader.readAll();
    for (const field of FIELDS) {
      const expected = Buffer.concat(data.map((f) => bytesOf(f[field.name]!)));
      expect(bytesOf(all.data[field.name]!).equals(expected)).toBe(true);
    }
  });

  it('refuses an existing folder and bad frames without writing', () => {
    const dir = join(root, 'ds');
    writeDataset(dir);
    expect(() => new ShardWriter(dir, { fields: FIELDS })).toThrow(UsageError);
    const writer = new ShardWriter(join(root, 'other'), { fields: FIELDS });
    expect(() => writer.append({ ...frames()[0]!, pose: new Float32Array(2) })).toThrow(/field "pose" needs 3 values per frame, got 2/);
    writer.abort();
    expect(readdirSync(root)).toEqual(['ds']);
  });

  it('names the file of a truncated shard', () => {
    const dir = join(root, 'ds');
    writeDataset(dir);
    const path = join(dir, 'shard-00001.bin');
    truncateSync(path, 100);
    // Every shard's size is checked when the dataset is opened, before index.json drives any allocation.
    expect(() => ShardReader.open(dir)).toThrow(FileFormatError);
    expect(() => ShardReader.open(dir)).toThrow(`${path}: truncated: 100 bytes`);
  });

  it('bounds what index.json announces by the shard files before allocating for it', () => {
    const dir = join(root, 'ds');
    writeDataset(dir);
    const path = join(dir, 'index.json');
    const good = readFileSync(path, 'utf8');
    const withRgbShape = (shape: number[]): void => {
      const index = JSON.parse(good);
      index.fields[0].shape = shape;
      writeFileSync(path, JSON.stringify(index));
    };
    const rss = process.memoryUsage().rss;
    // 1.2 MB a frame: 10 frames cannot be in a shard of a few kB, however the shard header reads.
    withRgbShape([400, 1000, 3]);
    expect(() => ShardReader.open(dir).readAll()).toThrow(
      /index\.json: shard-00000\.bin: 10 frames of 1200101 bytes cannot fit in its \d+ bytes$/,
    );
    // 3·10¹² values a frame: more than any shard may hold.
    withRgbShape([1_000_000, 1_000_000, 3]);
    expect(() => ShardReader.open(dir).readAll()).toThrow(
      /index\.json: a frame of its fields is 3000000000101 bytes, more than a shard may hold/,
    );
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
  });

  it('draws nothing from an empty dataset, whatever shapes its index announces', () => {
    const dir = join(root, 'empty');
    new ShardWriter(dir, { fields: FIELDS }).finish();
    const path = join(dir, 'index.json');
    const index = JSON.parse(readFileSync(path, 'utf8'));
    index.fields[0].shape = [20_000, 30_000, 3]; // 1.8 GB a frame: no shard holds one, none is read
    writeFileSync(path, JSON.stringify(index));
    const reader = ShardReader.open(dir);
    expect([...reader.batches({ batchSize: 64, epochs: Number.POSITIVE_INFINITY })]).toEqual([]);
    expect([...reader.windows({ batchSize: 64, length: 8 })]).toEqual([]);
  });

  it('refuses shards larger than a shard file may be, when writing and when reading', () => {
    // 2080 bytes a frame × (2²⁰ − 1) frames: past the 2 GiB one read can load. Refused before allocating.
    const fields: FieldSpec[] = [{ name: 'rgb', dtype: 'uint8', shape: [32, 65] }];
    expect(() => new ShardWriter(join(root, 'big'), { fields, framesPerShard: MAX_FRAMES_PER_SHARD })).toThrow(UsageError);
    expect(() => new ShardWriter(join(root, 'big'), { fields, framesPerShard: MAX_FRAMES_PER_SHARD })).toThrow(
      /framesPerShard 1048575 makes shards of 21810\d{5} bytes, more than the 2147483647 a shard may hold \(a frame is 2080 bytes\)/,
    );
    expect(readdirSync(root)).toEqual([]);
    const dir = join(root, 'ds');
    writeDataset(dir);
    const path = join(dir, 'index.json');
    const index = JSON.parse(readFileSync(path, 'utf8'));
    index.shards[0].bytes = 2 ** 31;
    writeFileSync(path, JSON.stringify(index));
    expect(() => ShardReader.open(dir)).toThrow(`${path}: shards[0].bytes: Too big: expected number to be <=2147483647`);
  });

  it('names the file of a corrupt shard (one flipped bit)', () => {
    const dir = join(root, 'ds');
    writeDataset(dir);
    const path = join(dir, 'shard-00002.bin');
    const bytes = readFileSync(path);
    bytes[bytes.length - 20]! ^= 0x10;
    writeFileSync(path, bytes);
    const reader = ShardReader.open(dir);
    expect(() => reader.readShard(2)).toThrow(`${path}: corrupt: SHA-1`);
    expect(() => reader.readShard(0)).not.toThrow();
  });

  it('names index.json when it is invalid', () => {
    const dir = join(root, 'ds');
    writeDataset(dir);
    const path = join(dir, 'index.json');
    const index = JSON.parse(readFileSync(path, 'utf8'));
    index.frames = 99;
    writeFileSync(path, JSON.stringify(index));
    expect(() => ShardReader.open(dir)).toThrow(`${path}: shards hold 23 frames but frames = 99`);
    writeFileSync(path, '{"format":');
    expect(() => ShardReader.open(dir)).toThrow(`${path}: not valid JSON`);
    expect(() => ShardReader.open(join(root, 'nothing'))).toThrow(/index\.json: missing/);
  });

  it('streams shuffled batches that cover every frame once per epoch, deterministic in the seed', () => {
    const dir = join(root, 'ds');
    writeDataset(dir, 7);
    const reader = ShardReader.open(dir);
    const seen = (seed: number): number[] => {
      const out: number[] = [];
      for (const b of reader.batches({ batchSize: 4, fields: ['pose'], seed, keepRemainder: true, shardsInMemory: 2 })) {
        for (let i = 0; i < b.size; i++) out.push(b.data.pose![i * 3]!);
      }
      return out;
    };
    const a = seen(1);
    expect(a).toHaveLength(23);
    expect(seen(1)).toEqual(a);
    expect(seen(2)).not.toEqual(a);
    const recorded = Array.from(reader.readAll(['pose']).data.pose!).filter((_, i) => i % 3 === 0);
    expect([...a].sort()).toEqual([...recorded].sort());
  });

  it('filters by episode, skips final frames, and cuts windows inside one episode', () => {
    const dir = join(root, 'ds');
    writeDataset(dir, 23);
    const reader = ShardReader.open(dir);
    let count = 0;
    for (const b of reader.batches({ batchSize: 1, fields: ['episode'], episodes: new Set([1]), skipLast: true })) {
      expect(b.data.episode![0]).toBe(1);
      count++;
    }
    expect(count).toBe(7);
    let windows = 0;
    for (const b of reader.windows({ batchSize: 2, length: 7, fields: ['episode', 'flags'] })) {
      for (let i = 0; i < 2; i++) {
        const ep = b.data.episode!.subarray(i * 7, i * 7 + 7);
        expect(new Set(ep).size).toBe(1);
      }
      windows += 2;
    }
    // Starts: episode 0 has 9-7+1 = 3, episode 1 has 2, episode 2 none → 5 windows, 2 full batches.
    expect(windows).toBe(4);
  });

  it('makes float tensors of a batch without leaking', () => {
    const dir = join(root, 'ds');
    writeDataset(dir);
    const reader = ShardReader.open(dir);
    const before = tf.memory().numTensors;
    for (const b of reader.batches({ batchSize: 5, fields: ['rgb'] })) {
      const t = fieldTensor(reader, b, 'rgb', { scale: 2 / 255, offset: -1 });
      expect(t.shape).toEqual([5, 4, 5, 3]);
      const lowest = t.min();
      expect(lowest.arraySync()).toBeGreaterThanOrEqual(-1);
      tf.dispose([t, lowest]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('splits episodes by seed into disjoint scene sets', () => {
    const episodes = Array.from({ length: 30 }, (_, id) => ({ id, seed: id % 20, frames: 1, complete: true, return: 0, metrics: {} }));
    const { train, val } = splitEpisodesBySeed(episodes, 0.1);
    expect(train.size + val.size).toBe(30);
    const valSeeds = new Set(episodes.filter((e) => val.has(e.id)).map((e) => e.seed));
    expect(valSeeds.size).toBe(2);
    for (const e of episodes) if (train.has(e.id)) expect(valSeeds.has(e.seed)).toBe(false);
  });
});
