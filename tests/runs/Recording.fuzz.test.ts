/**
 * Format fuzzing of `.rec` recordings (see tests/helpers/fuzz.ts): a valid recording with frames,
 * mutated as a file (where gzip's CRC catches most damage), as a body re-gzipped past the CRC
 * (section lengths made huge), and as header and episode JSON; `Recording.fromBytes` must read it or
 * throw a `FileFormatError` naming it, and a recording it reads must replay without error.
 */
import fc from 'fast-check';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { attachRecorder, Recording } from '../../src/runs/Recording.js';
import { FakeNavEnv } from '../server/fixtures.js';
import { byteMutation, fuzzRuns, jsonMutation, mutateBytes, mutateJson, RSS_BOUND, readsOrNamesFile } from '../helpers/fuzz.js';

const NAME = 'fuzz.rec';
const PREFIX_BYTES = 12;

/** Two short episodes with RGB and depth frames of a 4×4 camera. */
function validRecording(): Buffer {
  const { env, writer } = attachRecorder(new FakeNavEnv({ size: 4, maxSteps: 6 }), {
    source: 'fuzz',
    task: 'Fake-v0',
    frames: ['rgb', 'depth'],
  });
  for (const actions of [
    [1, 2, 1, 0],
    [3, 1, 1, 1, 2, 1],
  ]) {
    env.reset();
    for (const a of actions) {
      const r = env.step(a);
      if (r.terminated || r.truncated) break;
    }
  }
  return writer.toBytes();
}

/** Offsets of the u32 length prefixes of the body's sections. */
function sectionOffsets(body: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at + 4 <= body.byteLength; at += 4 + body.readUInt32LE(at)) offsets.push(at);
  return offsets;
}

function withBody(prefix: Buffer, body: Buffer): Buffer {
  return Buffer.concat([prefix, gzipSync(body)]);
}

/** Read a recording and replay every step and frame of it. */
function readAndReplay(bytes: Buffer): void {
  for (const episode of Recording.fromBytes(bytes, NAME).episodes) {
    episode.scene(episode.steps);
    for (let i = 1; i <= episode.steps; i++) episode.step(i);
    for (const kind of episode.frameKinds) for (let i = 0; i <= episode.steps; i++) episode.frame(kind, i);
    episode.end();
  }
}

describe('Recording.fromBytes on mutated recordings', () => {
  const file = validRecording();
  const prefix = file.subarray(0, PREFIX_BYTES);
  const body = gunzipSync(file.subarray(PREFIX_BYTES));
  const sections = sectionOffsets(body);
  const rss = process.memoryUsage().rss;

  it('reads the unmutated recording', () => {
    expect(sections.length).toBe(1 + 2 * 4); // header, then meta, steps, rgb, depth per episode
    readAndReplay(file);
  });

  it('a mutated file: truncated, bit-flipped, version or gzip trailer overwritten', async () => {
    const fields = [8, file.byteLength - 4]; // the format version and gzip's length trailer
    await fc.assert(
      fc.asyncProperty(byteMutation, (m) => readsOrNamesFile(() => readAndReplay(mutateBytes(file, m, fields)), NAME)),
      fuzzRuns(200),
    );
  });

  it('a mutated body, re-gzipped: truncated, bit-flipped, section lengths made huge', async () => {
    await fc.assert(
      fc.asyncProperty(byteMutation, (m) => readsOrNamesFile(() => readAndReplay(withBody(prefix, mutateBytes(body, m, sections))), NAME)),
      fuzzRuns(300),
    );
  });

  it('a mutated header or episode meta: values huge, negative, fractional, of another type, or removed', async () => {
    const json = sections.filter((at) => body[at + 4] === 0x7b); // sections that open with '{'
    await fc.assert(
      fc.asyncProperty(fc.nat(), jsonMutation, (pick, m) => {
        const at = json[pick % json.length]!;
        const length = body.readUInt32LE(at);
        const text = Buffer.from(JSON.stringify(mutateJson(JSON.parse(body.toString('utf8', at + 4, at + 4 + length)), m)));
        const header = Buffer.alloc(4);
        header.writeUInt32LE(text.byteLength);
        const mutated = Buffer.concat([body.subarray(0, at), header, text, body.subarray(at + 4 + length)]);
        return readsOrNamesFile(() => readAndReplay(withBody(prefix, mutated)), NAME);
      }),
      fuzzRuns(300),
    );
  });

  it('stays within the memory bound over every property', () => {
    expect(process.memoryUsage().rss - rss).toBeLessThan(RSS_BOUND);
  });
});
