import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateBatch } from '../../src/core/batch.js';
import type { BatchedObservation } from '../../src/core/Env.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict } from '../../src/core/spaces.js';
import {
  CHUNK_FORMAT_VERSION,
  ChunkError,
  type ChunkExpectation,
  type ChunkRejection,
  chunkBytes,
  decodeChunk,
  encodeChunk,
  MAX_HEADER_BYTES,
  quantizeObservation,
  type TrajectoryChunk,
} from '../../src/distributed/chunk.js';
import { byteMutation, fuzzRuns, jsonMutation, mutateBytes, mutateJson } from '../helpers/fuzz.js';

/** RGB-D camera (4 × 5 pixels) and a point goal, as NavEnv declares them. */
const space = new Dict({
  rgb: new Box(0, 255, [4, 5, 3], 'uint8'),
  depth: new Box(0, 10, [4, 5, 1]),
  pointgoal: new Box([0, -Math.PI], [20, Math.PI], [2]),
});
const T = 6;

type Leaves = Record<string, Float32Array | Uint8Array>;

/**
 * A chunk of random data: episodes end by truncation at steps 1 and 4 and by termination at 2, and
 * starts follow them (same-step autoreset); obs quantised unless `quantize` is false.
 */
function makeChunk(seed: number, stateSizes: number[] = [], quantize = true): TrajectoryChunk {
  const rng = new Rng(seed);
  const fill = (batch: BatchedObservation, rows: number): BatchedObservation => {
    const leaves = batch as Leaves;
    for (let i = 0; i < rows * 60; i++) leaves.rgb![i] = rng.int(256);
    for (let i = 0; i < rows * 20; i++) leaves.depth![i] = rng.uniform(0, 10);
    for (let i = 0; i < rows * 2; i++) leaves.pointgoal![i] = rng.uniform(-3, 3);
    if (quantize) quantizeObservation(space, batch, rows);
    return batch;
  };
  const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  return {
    run: 'pointnav-a',
    actor: 'host-1:4242',
    policyVersion: 3,
    envSeed: 12345,
    numSteps: T,
    obs: fill(allocateBatch(space, T + 1), T + 1),
    starts: new Uint8Array([1, 0, 1, 1, 0, 1, 0]),
    actions: Float32Array.from({ length: T }, () => rng.int(4)),
    rewards: floats(T),
    terminated: new Uint8Array([0, 0, 1, 0, 0, 0]),
    truncated: new Uint8Array([0, 1, 0, 0, 1, 0]),
    logprobs: floats(T),
    values: floats(T + 1),
    finalObs: fill(allocateBatch(space, 2), 2),
    finalSteps: new Int32Array([1, 4]),
    finalValues: floats(2),
    initialState: stateSizes.map(floats),
    episodes: [
      { return: 1.5, length: 500, success: null },
      { return: 2.25, length: 1, success: 1 },
      { return: -0.5, length: 2, success: 0 },
    ],
  };
}

function expectation(stateSizes: number[] = [], overrides: Partial<ChunkExpectation> = {}): ChunkExpectation {
  return { run: 'pointnav-a', observationSpace: space, actionSize: 1, numSteps: T, stateSizes, maxVersion: 3, ...overrides };
}

/** The float32 bits of an array, for bit-identical comparisons (toEqual treats NaN payloads and −0 loosely). */
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** `bytes` with its header JSON replaced by `edit(header)` and the header length field updated. */
function withHeader(bytes: Buffer, edit: (header: Record<string, unknown>) => unknown): Buffer {
  const length = bytes.readUInt32LE(12);
  const body = bytes.subarray(16 + ((length + 3) & ~3));
  const header = Buffer.from(JSON.stringify(edit(JSON.parse(bytes.subarray(16, 16 + length).toString('utf8')))));
  const out = Buffer.alloc(16 + ((header.length + 3) & ~3) + body.length);
  bytes.copy(out, 0, 0, 16);
  out.writeUInt32LE(header.length, 12);
  header.copy(out, 16);
  body.copy(out, 16 + ((header.length + 3) & ~3));
  return out;
}

function rejection(decode: () => unknown): ChunkRejection | 'accepted' {
  try {
    decode();
    return 'accepted';
  } catch (err) {
    if (err instanceof ChunkError) return err.reason;
    throw err;
  }
}

describe('trajectory chunks', () => {
  it('round-trip a Dict observation with truncations, without and with recurrent state', () => {
    for (const stateSizes of [[], [8, 3]]) {
      const chunk = makeChunk(1, stateSizes);
      const decoded = decodeChunk(encodeChunk(chunk, space), expectation(stateSizes));
      expect(decoded).toEqual(chunk);
      for (const key of ['depth', 'pointgoal']) {
        expect(bits((decoded.obs as Leaves)[key] as Float32Array)).toEqual(bits((chunk.obs as Leaves)[key] as Float32Array));
        expect(bits((decoded.finalObs as Leaves)[key] as Float32Array)).toEqual(bits((chunk.finalObs as Leaves)[key] as Float32Array));
      }
      for (const [i, s] of decoded.initialState.entries()) expect(bits(s)).toEqual(bits(chunk.initialState[i]!));
    }
  });

  it('round-trips a bare Box space and a chunk without episode ends', () => {
    const box = new Box(-1, 1, [3]);
    const chunk: TrajectoryChunk = {
      ...makeChunk(2),
      numSteps: 2,
      obs: Float32Array.from([0.1, 0.2, 0.3, -0.4, -0.5, -0.6, 0.7, 0.8, 0.9]),
      starts: new Uint8Array([0, 0, 0]),
      actions: new Float32Array([0.5, -0.5, 1, -1]),
      rewards: new Float32Array([1, 2]),
      terminated: new Uint8Array(2),
      truncated: new Uint8Array(2),
      logprobs: new Float32Array([-1, -2]),
      values: new Float32Array([0, 1, 2]),
      finalObs: new Float32Array(0),
      finalSteps: new Int32Array(0),
      finalValues: new Float32Array(0),
      episodes: [],
    };
    const expect2 = { run: 'pointnav-a', observationSpace: box, actionSize: 2, numSteps: 2, stateSizes: [], maxVersion: 3 };
    expect(decodeChunk(encodeChunk(chunk, box), expect2)).toEqual(chunk);
  });

  it('sends depth as millimetres that the actor sees bit for bit after quantizeObservation', () => {
    const chunk = makeChunk(3, [], false);
    const depth = (chunk.obs as Leaves).depth as Float32Array;
    depth.set([0, 10, 0.0005, 0.0004999, 1e-7, 7.7777, 9.9996, 1.2344]);
    const raw = depth.slice();
    const decoded = (decodeChunk(encodeChunk(chunk, space), expectation()).obs as Leaves).depth as Float32Array;
    // Millimetres, rounded to nearest: 0.0005 m → 1 mm, 0.0004999 m → 0 mm, 7.7777 m → 7778 mm, 9.9996 m → 10000 mm.
    expect(Array.from(decoded.subarray(0, 8))).toEqual([0, 10, 0.001, 0, 0, 7.778, 10, 1.234].map(Math.fround));
    for (let i = 0; i < raw.length; i++) expect(Math.abs(decoded[i]! - raw[i]!)).toBeLessThanOrEqual(0.0005 + 1e-6);
    quantizeObservation(space, chunk.obs, T + 1);
    expect(bits(depth)).toEqual(bits(decoded));
    // Quantising twice changes nothing; decode(encode(quantised)) is bit-identical.
    const once = depth.slice();
    quantizeObservation(space, chunk.obs, T + 1);
    expect(bits(depth)).toEqual(bits(once));
    const again = (decodeChunk(encodeChunk(chunk, space), expectation()).obs as Leaves).depth as Float32Array;
    expect(bits(again)).toEqual(bits(once));
    // Only rows [0, count) are touched, and float vectors and uint8 images never change.
    const batch = allocateBatch(space, 2) as Leaves;
    batch.depth!.fill(1.23456);
    batch.pointgoal!.fill(1.23456);
    quantizeObservation(space, batch, 1);
    expect(batch.depth![0]).toBe(Math.fround(1.235));
    expect(batch.depth![20]).toBe(Math.fround(1.23456));
    expect(batch.pointgoal![0]).toBe(Math.fround(1.23456));
  });

  it('rounds depth to the nearest millimetre as Math.round does, halves up', () => {
    const rng = new Rng(10);
    const depthOnly = new Box(0, 65.535, [100, 100, 10]);
    const values = Float32Array.from({ length: depthOnly.size }, (_, i) =>
      i % 10 === 0 ? (rng.int(65535) + 0.5) / 1000 : rng.uniform(0, 65.535),
    );
    const want = Float32Array.from(values, (v) => Math.round(v * 1000) / 1000);
    quantizeObservation(depthOnly, values, 1);
    const got = bits(values);
    const expected = bits(want);
    expect(got.findIndex((b, i) => b !== expected[i])).toBe(-1);
  });

  it('has the byte count chunkBytes gives: 2 bytes a depth pixel, 1 a colour byte, 4 a float', () => {
    for (const stateSizes of [[], [8, 3]]) {
      const bytes = encodeChunk(makeChunk(4, stateSizes), space);
      expect(bytes.length).toBe(chunkBytes(space, T, { actionSize: 1, numFinal: 2, stateSizes, headerBytes: bytes.readUInt32LE(12) }));
    }
    // One observation row: rgb 4·5·3 = 60 bytes, depth 4·5 pixels · 2 = 40, pointgoal 2 · 4 = 8.
    // T = 6, K = 2, A = 1, header 100 bytes:
    //   16 + 100 + obs 7·(60 + 40 + 8) = 756 + starts pad4(7) = 8 + flags 2·pad4(6) = 16
    //   + 4·(6 + 6 + 6 + 7) = 100 + finalSteps, finalValues 16 + finalObs 2·108 = 216 → 1228
    expect(chunkBytes(space, T, { actionSize: 1, numFinal: 2, headerBytes: 100 })).toBe(1228);
    // PointNav-v0 (depth 64×64 + pointgoal), T = 128, Discrete actions, no truncation, no header:
    //   16 + 129·(8192 + 8) + 132 + 2·128 + 4·(128·1 + 3·128 + 1) = 1,060,256 bytes, 8,283 a step.
    const pointNav = new Dict({ depth: new Box(0, 10, [64, 64, 1]), pointgoal: new Box([0, -Math.PI], [20, Math.PI], [2]) });
    expect(chunkBytes(pointNav, 128, { actionSize: 1 })).toBe(1_060_256);
    // RGB-D adds 64·64·3 bytes a row: + 129·12,288 = 2,645,408 bytes, 20,667 a step.
    const rgbd = new Dict({ rgb: new Box(0, 255, [64, 64, 3], 'uint8'), ...pointNav.spaces });
    expect(chunkBytes(rgbd, 128, { actionSize: 1 })).toBe(2_645_408);
    // A float image outside [0, 65.535] m, or a vector, stays float32.
    expect(chunkBytes(new Box(0, 100, [2, 2, 1]), 1, { actionSize: 1 })).toBe(16 + 2 * 16 + 4 + 2 * 4 + 4 * 5);
    expect(chunkBytes(new Box(0, 10, [4]), 1, { actionSize: 1 })).toBe(16 + 2 * 16 + 4 + 2 * 4 + 4 * 5);
    expect(chunkBytes(new Box(0, 10, [2, 2, 1]), 1, { actionSize: 1 })).toBe(16 + 2 * 8 + 4 + 2 * 4 + 4 * 5);
  });

  it('rejects each kind of malformed or foreign chunk with its reason', () => {
    const good = encodeChunk(makeChunk(5, [4]), space);
    const ok = expectation([4]);
    const reason = (bytes: Buffer, expect2: ChunkExpectation = ok) => rejection(() => decodeChunk(bytes, expect2));
    const encoded = (edit: (c: TrajectoryChunk) => void): Buffer => {
      const chunk = makeChunk(5, [4]);
      edit(chunk);
      return encodeChunk(chunk, space);
    };
    const header = (edit: (h: Record<string, unknown>) => void): Buffer =>
      withHeader(good, (h) => {
        edit(h);
        return h;
      });
    const set = (at: number, write: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      write(b);
      return b.subarray(0, at === -1 ? b.length : at);
    };

    expect(reason(good)).toBe('accepted');
    // Byte counts.
    expect(reason(good.subarray(0, 10))).toBe('length');
    expect(reason(good.subarray(0, good.length - 4))).toBe('length');
    expect(reason(Buffer.concat([good, Buffer.alloc(4)]))).toBe('length');
    expect(reason(set(-1, (b) => b.writeUInt32LE(good.length, 12)))).toBe('length');
    // Prefix.
    expect(reason(set(-1, (b) => b.write('RNAVREC\n', 0, 'latin1')))).toBe('magic');
    expect(reason(set(-1, (b) => b.writeUInt32LE(0, 8)))).toBe('format');
    expect(reason(set(-1, (b) => b.writeUInt32LE(CHUNK_FORMAT_VERSION + 1, 8)))).toBe('format');
    expect(reason(set(-1, (b) => b.writeUInt32LE(MAX_HEADER_BYTES + 1, 12)))).toBe('header');
    // Header.
    expect(reason(set(-1, (b) => b.write('}', 16)))).toBe('header');
    expect(reason(set(-1, (b) => (b[17] = 0xff)))).toBe('header');
    expect(reason(header((h) => (h.extra = 1)))).toBe('header');
    expect(reason(header((h) => (h.envSeed = 0.5)))).toBe('header');
    expect(reason(header((h) => (h.numSteps = -1)))).toBe('header');
    expect(reason(header((h) => (h.run = 'x'.repeat(300))))).toBe('header');
    expect(reason(header((h) => (h.run = 'other')))).toBe('run');
    // Policy version: within [0, maxVersion], an integer.
    expect(reason(good, { ...ok, maxVersion: 2 })).toBe('version');
    expect(reason(header((h) => (h.policyVersion = -1)))).toBe('version');
    expect(reason(header((h) => (h.policyVersion = 1.5)))).toBe('version');
    // Sizes against the expectation.
    expect(reason(good, { ...ok, numSteps: T + 1 })).toBe('shape');
    expect(reason(good, { ...ok, actionSize: 2 })).toBe('shape');
    expect(reason(good, { ...ok, stateSizes: [5] })).toBe('shape');
    expect(reason(good, { ...ok, stateSizes: [] })).toBe('shape');
    expect(reason(header((h) => (h.numFinal = T + 1)))).toBe('shape');
    expect(reason(header((h) => (h.numFinal = 3)))).toBe('length');
    const otherSpace = new Dict({ ...space.spaces, pointgoal: new Box(-1, 1, [3]) });
    expect(reason(good, { ...ok, observationSpace: otherSpace })).toBe('space');
    expect(reason(good, { ...ok, observationSpace: new Dict({ depth: space.spaces.depth }) })).toBe('space');
    // Floats.
    expect(reason(encoded((c) => (c.rewards[2] = Number.NaN)))).toBe('nan');
    expect(reason(encoded((c) => (c.actions[0] = Number.POSITIVE_INFINITY)))).toBe('nan');
    expect(reason(encoded((c) => (c.logprobs[5] = Number.NEGATIVE_INFINITY)))).toBe('nan');
    expect(reason(encoded((c) => (c.values[T] = Number.NaN)))).toBe('nan');
    expect(reason(encoded((c) => (c.finalValues[1] = Number.NaN)))).toBe('nan');
    expect(reason(encoded((c) => (c.initialState[0]![3] = Number.NaN)))).toBe('nan');
    expect(reason(encoded((c) => ((c.obs as Leaves).pointgoal![13] = Number.NaN)))).toBe('nan');
    expect(reason(encoded((c) => ((c.finalObs as Leaves).pointgoal![0] = Number.POSITIVE_INFINITY)))).toBe('nan');
    // Flags and episode structure.
    expect(reason(encoded((c) => (c.starts[0] = 2)))).toBe('flag');
    expect(reason(encoded((c) => (c.terminated[0] = 7)))).toBe('flag');
    expect(reason(encoded((c) => (c.terminated[1] = 1)))).toBe('flag');
    expect(reason(encoded((c) => (c.starts[2] = 0)))).toBe('starts');
    expect(reason(encoded((c) => (c.starts[4] = 1)))).toBe('starts');
    expect(reason(encoded((c) => c.finalSteps.set([1, 3])))).toBe('final');
    expect(reason(encoded((c) => c.finalSteps.set([4, 1])))).toBe('final');
    expect(
      reason(
        encoded((c) => {
          c.truncated[4] = 0;
          c.starts[5] = 0;
          c.episodes.pop();
        }),
      ),
    ).toBe('final');
    expect(reason(encoded((c) => c.episodes.pop()))).toBe('episodes');
    expect(reason(encoded((c) => (c.episodes[0]!.length = 0)))).toBe('episodes');
    expect(reason(encoded((c) => (c.episodes[1]!.success = 2)))).toBe('episodes');
    expect(reason(encoded((c) => (c.episodes[2]!.return = Number.NaN)))).toBe('episodes');
    expect(reason(header((h) => ((h.episodes as unknown[])[0] = 'x')))).toBe('episodes');
    expect(reason(header((h) => (((h.episodes as unknown[])[0] as Record<string, unknown>).extra = 1)))).toBe('episodes');
  });

  it('keeps a rejection to one line of bounded length, whatever the sender wrote', () => {
    const bytes = withHeader(encodeChunk(makeChunk(9), space), (h) => ({
      ...h,
      run: `evil\nrobonav learner: forged line${'x'.repeat(200)}`,
    }));
    let message = '';
    try {
      decodeChunk(bytes, expectation());
    } catch (err) {
      message = (err as ChunkError).message;
    }
    expect(message).toMatch(/^rejected chunk \(run\): run "evil\?robonav learner: forged linex+/);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThanOrEqual(350);
  });

  it('refuses to encode a chunk whose arrays are shorter than its sizes', () => {
    const chunk = makeChunk(6);
    expect(() => encodeChunk({ ...chunk, values: new Float32Array(T) }, space)).toThrow(/values has 6 values, the chunk needs 7/);
    expect(() => encodeChunk({ ...chunk, actions: new Float32Array(T + 1) }, space)).toThrow(/not a multiple/);
  });

  it('throws nothing but ChunkError on flipped, truncated or overwritten bytes', () => {
    const good = encodeChunk(makeChunk(7, [4]), space);
    const ok = expectation([4]);
    fc.assert(
      fc.property(byteMutation, (m) => {
        rejection(() => decodeChunk(mutateBytes(good, m, [8, 12]), ok));
      }),
      fuzzRuns(400),
    );
  });

  it('throws nothing but ChunkError on a header with odd values', () => {
    const good = encodeChunk(makeChunk(8), space);
    const ok = expectation();
    fc.assert(
      fc.property(jsonMutation, (m) => {
        rejection(() =>
          decodeChunk(
            withHeader(good, (h) => mutateJson(h, m)),
            ok,
          ),
        );
      }),
      fuzzRuns(400),
    );
  });
});
