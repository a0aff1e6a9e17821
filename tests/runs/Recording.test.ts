import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/core/errors.js';
import { streamerFor, type EpisodeSink } from '../../src/stream/EpisodeStreamer.js';
import type { StepMessage } from '../../src/stream/protocol.js';
import { attachRecorder, MAX_RECORDING_BYTES, Recording, RecordingWriter } from '../../src/runs/Recording.js';
import { FakeNavEnv, scriptedActions } from '../server/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Record `episodes` scripted episodes (the second one is cut by the time limit). */
function record(writer: RecordingWriter, episodes: number, live: StepMessage[] = []): void {
  const inner = new FakeNavEnv({ maxSteps: 12 });
  const streamer = streamerFor(inner, { task: 'Fake-v0' });
  streamer.addSink(writer);
  const spy: EpisodeSink = {
    wantsEpisodes: () => true,
    wantsFrames: () => [],
    scene: () => {},
    step: (m) => live.push(m),
    frame: () => {},
    episodeEnd: () => {},
  };
  streamer.addSink(spy);
  const env = streamer.wrap(inner);
  for (let e = 0; e < episodes; e++) {
    env.reset();
    const actions = e % 2 === 0 ? [3, 1, 1, 2, 0] : scriptedActions();
    for (const a of actions) {
      const r = env.step(a);
      if (r.terminated || r.truncated) break;
    }
  }
}

describe('Recording', () => {
  it('reads back exactly what was streamed, frames included', () => {
    const writer = new RecordingWriter({ source: 'test', task: 'Fake-v0', actions: ['STOP', 'F', 'L', 'R'], frames: ['rgb', 'depth'] });
    const live: StepMessage[] = [];
    record(writer, 2, live);
    const path = join(dir, 'two.rec');
    writer.save(path);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const rec = Recording.read(path);
    expect(rec.header).toMatchObject({
      source: 'test',
      task: 'Fake-v0',
      actions: ['STOP', 'F', 'L', 'R'],
      frames: ['rgb', 'depth'],
      episodes: 2,
    });
    expect(rec.episodes.map((e) => e.steps)).toEqual([5, 12]);
    const replayed = rec.episodes.flatMap((e) => Array.from({ length: e.steps }, (_, i) => e.step(i + 1)));
    expect(replayed).toEqual(live);
    const second = rec.episodes[1]!;
    expect(second.end()).toMatchObject({ type: 'episodeEnd', episode: 1, steps: 12, terminated: false, truncated: true });
    expect(second.scene(3).trail).toEqual([1, 1, ...live.slice(5, 8).flatMap((s) => [s.pose.x, s.pose.z])]);
    expect(second.scene(3).pose).toEqual(live[7]!.pose);
    expect(second.scene(0).pose).toEqual({ x: 1, z: 1, yaw: 0 });
    expect(second.scene().spec).toEqual(new FakeNavEnv().scene);
    const f = second.frame('rgb', 7)!;
    expect(f).toMatchObject({ kind: 'rgb', width: 8, height: 8, channels: 3, step: 7 });
    expect(f.data[0]).toBe(7);
    expect(second.frame('depth', 0)!.data[0]).toBe(0);
    expect(second.frame('semantic', 1)).toBeNull();
    expect(() => second.step(13)).toThrow(/steps 1..12/);
  });

  it('stops after maxEpisodes and stores no frames unless asked', () => {
    const { env, writer } = attachRecorder(new FakeNavEnv({ maxSteps: 12 }), { source: 'n', maxEpisodes: 1 });
    for (let e = 0; e < 3; e++) {
      env.reset();
      for (const a of [3, 1, 1, 2, 0]) env.step(a);
    }
    expect(writer.full).toBe(true);
    const rec = Recording.fromBytes(writer.toBytes());
    expect(rec.episodes).toHaveLength(1);
    expect(rec.episodes[0]!.frameKinds).toEqual([]);
    expect(rec.header.actions).toEqual(['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT']);
    // Without frames a 5-step episode is small: scene JSON + 5 × 20 float64, gzipped.
    expect(writer.toBytes().byteLength).toBeLessThan(3000);
  });

  it('throws FileFormatError naming the file and the problem for corrupt files', () => {
    const writer = new RecordingWriter({ source: 'c', frames: ['rgb'] });
    record(writer, 1);
    const good = writer.toBytes();
    const path = join(dir, 'bad.rec');
    const expectError = (bytes: Uint8Array, pattern: RegExp): void => {
      writeFileSync(path, bytes);
      let caught: unknown;
      try {
        Recording.read(path);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(FileFormatError);
      expect((caught as Error).message.startsWith(`${path}: `)).toBe(true);
      expect((caught as Error).message).toMatch(pattern);
    };
    expectError(Buffer.from('hello world, not a recording'), /bad magic/);
    expectError(Buffer.alloc(0), /bad magic/);
    const version = Buffer.from(good);
    version.writeUInt32LE(99, 8);
    expectError(version, /format version 99; this robonav reads version 1/);
    expectError(good.subarray(0, good.byteLength - 20), /corrupt or truncated/);
    const flipped = Buffer.from(good);
    flipped[flipped.byteLength - 30]! ^= 0xff;
    expectError(flipped, /corrupt or truncated/);
    // Well-formed gzip with a body that lies: bad JSON, a bad scene, short sections, trailing bytes.
    const prefix = good.subarray(0, 12);
    const body = (parts: Buffer[]): Buffer => Buffer.concat([prefix, gzipSync(Buffer.concat(parts))]);
    const section = (b: Buffer): Buffer => Buffer.concat([Buffer.from(Uint32Array.of(b.byteLength).buffer), b]);
    const header = (n: number): Buffer =>
      section(Buffer.from(JSON.stringify({ source: 'x', createdAt: 'now', actions: [], frames: [], episodes: n })));
    expectError(body([section(Buffer.from('{nope'))]), /header: not valid JSON/);
    expectError(body([section(Buffer.from('{"source":1}'))]), /header: source: /);
    expectError(body([header(1)]), /truncated before episode 0 meta/);
    expectError(body([header(1), section(Buffer.from(JSON.stringify({ scene: { version: 1 } })))]), /episode 0 meta: scene\./);
    expectError(body([header(0), Buffer.from([1, 2, 3])]), /3 unexpected bytes/);
    expectError(body([Buffer.from(Uint32Array.of(1000).buffer)]), /header: 1000 bytes announced/);
    const missing = join(dir, 'missing.rec');
    expect(() => Recording.read(missing)).toThrow(FileFormatError);
    expect(existsSync(missing)).toBe(false);
    expect(readFileSync(path).byteLength).toBeGreaterThan(0);
  });

  it('inflates no more than the gzip trailer announces: a small file cannot expand into gigabytes', () => {
    const good = new RecordingWriter({ source: 'bomb' }).toBytes();
    // 32 gzip members of 16 MiB of zeros each: 512 MiB once inflated, 0.5 MB on disk. The trailer
    // of the last member announces 16 MiB, so reading must stop there.
    const member = gzipSync(Buffer.alloc(16 * 2 ** 20));
    const bomb = Buffer.concat([good.subarray(0, 12), ...Array.from({ length: 32 }, () => member)]);
    const path = join(dir, 'bomb.rec');
    writeFileSync(path, bomb);
    const rss = process.memoryUsage().rss;
    expect(() => Recording.read(path)).toThrow(`${path}: corrupt: inflates to more than the 16777216 bytes its gzip trailer announces`);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
  });

  it('refuses a trailer announcing more than a recording may hold, before inflating anything', () => {
    const good = new RecordingWriter({ source: 'big' }).toBytes();
    const lying = Buffer.from(good);
    lying.writeUInt32LE(MAX_RECORDING_BYTES + 1, lying.byteLength - 4);
    expect(() => Recording.fromBytes(lying, 'big.rec')).toThrow(
      `big.rec: corrupt or truncated: its gzip trailer announces ${MAX_RECORDING_BYTES + 1} bytes, more than the ${MAX_RECORDING_BYTES} a recording may hold`,
    );
  });

  it('refuses a file larger than any recording without reading it', () => {
    const path = join(dir, 'huge.rec');
    writeFileSync(path, new RecordingWriter({ source: 'huge' }).toBytes());
    truncateSync(path, MAX_RECORDING_BYTES + 2 ** 21); // sparse: nothing is written to disk
    const rss = process.memoryUsage().rss;
    expect(() => Recording.read(path)).toThrow(new RegExp(`^${path}: ${MAX_RECORDING_BYTES + 2 ** 21} bytes, more than any recording`));
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
    rmSync(path);
  });

  it('keeps only the episodes that fit under maxBytes, so that every file it writes can be read', () => {
    const unbounded = new RecordingWriter({ source: 'cap' });
    record(unbounded, 3);
    const oneEpisode = new RecordingWriter({ source: 'cap', maxEpisodes: 1 });
    record(oneEpisode, 1);
    const bodyOf = (w: RecordingWriter): number => gunzipSync(w.toBytes().subarray(12)).byteLength;
    // Room for the first episode but not the second: the writer stops there, as with maxEpisodes.
    const capped = new RecordingWriter({ source: 'cap', maxBytes: bodyOf(oneEpisode) + 10 });
    record(capped, 3);
    expect(unbounded.episodeCount).toBe(3);
    expect(capped.episodeCount).toBe(1);
    expect(capped.full).toBe(true);
    expect(bodyOf(capped)).toBeLessThanOrEqual(bodyOf(oneEpisode) + 10);
    expect(Recording.fromBytes(capped.toBytes()).episodes.map((e) => e.steps)).toEqual([5]);
    expect(() => new RecordingWriter({ source: 'cap', maxBytes: MAX_RECORDING_BYTES + 1 })).toThrow(RangeError);
  });
});
