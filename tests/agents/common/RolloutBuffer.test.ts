import { describe, expect, it } from 'vitest';
import { Box, Dict } from '../../../src/core/spaces.js';
import { RolloutBuffer } from '../../../agents/common/RolloutBuffer.js';
import { explainedVariance, normalize, splitEven } from '../../../agents/common/stats.js';

describe('RolloutBuffer', () => {
  const space = new Dict({ img: new Box(0, 255, [2], 'uint8'), v: new Box(-1, 1, [1]) });

  it('stores steps time-major and gathers minibatches (b_ → mb_)', () => {
    const buf = new RolloutBuffer(3, 2, space, 1);
    for (let t = 0; t < 3; t++) {
      buf.writeObs(t, { img: Uint8Array.from([t * 10, t * 10 + 1, t * 10 + 2, t * 10 + 3]), v: Float32Array.from([t, -t]) });
      for (let n = 0; n < 2; n++) buf.actions[t * 2 + n] = t * 2 + n;
    }
    expect((buf.obs as Record<string, Uint8Array>).img!.constructor).toBe(Uint8Array);
    const mb = buf.allocateMinibatch(2);
    buf.gather([5, 0], mb);
    // Row 5 = (t 2, env 1), row 0 = (t 0, env 0).
    expect(Array.from((mb.obs as Record<string, Uint8Array>).img!)).toEqual([22, 23, 0, 1]);
    expect(Array.from((mb.obs as Record<string, Float32Array>).v!)).toEqual([-2, 0]);
    expect(Array.from(mb.actions)).toEqual([5, 0]);
  });

  it('envRows lists whole sequences of chosen envs, time-major', () => {
    const buf = new RolloutBuffer(3, 4, new Box(0, 1, [1]), 1);
    const rows = new Int32Array(6);
    buf.envRows([3, 1], rows);
    expect(Array.from(rows)).toEqual([3, 1, 7, 5, 11, 9]);
  });

  it('keeps s_T and the final observations of truncated steps, growing past N of them', () => {
    const buf = new RolloutBuffer(4, 2, space, 1);
    buf.writeLast({ img: Uint8Array.from([1, 2, 3, 4]), v: Float32Array.from([0.5, -0.5]) }, Uint8Array.from([0, 1]));
    expect(Array.from((buf.lastObs as Record<string, Uint8Array>).img!)).toEqual([1, 2, 3, 4]);
    expect(Array.from(buf.lastStarts)).toEqual([0, 1]);
    const finals = buf.finals;
    const batch = (k: number) => ({ img: Uint8Array.from([9, 9, k, k + 1]), v: Float32Array.from([0, k / 10]) });
    // Five final observations in storage for N = 2: it doubles twice and keeps the earlier rows.
    for (let k = 0; k < 5; k++) finals.push(7 - k, batch(k), 1);
    expect(finals.count).toBe(5);
    expect(Array.from(finals.rows.subarray(0, 5))).toEqual([7, 6, 5, 4, 3]);
    expect(Array.from((finals.obs as Record<string, Uint8Array>).img!.subarray(0, 10))).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect(Array.from((finals.obs as Record<string, Float32Array>).v!.subarray(0, 5))).toEqual(
      [0, 0.1, 0.2, 0.3, 0.4].map((x) => Math.fround(x)),
    );
    const storage = finals.obs;
    finals.clear();
    finals.push(2, batch(8), 0);
    expect(finals.count).toBe(1);
    expect(finals.obs).toBe(storage);
    expect(Array.from((finals.obs as Record<string, Uint8Array>).img!.subarray(0, 2))).toEqual([9, 9]);
  });
});

describe('stats', () => {
  it('normalize uses the unbiased std and respects a mask', () => {
    const x = new Float32Array([1, 2, 3, 100]);
    normalize(x, new Float32Array([1, 1, 1, 0]));
    // mean 2, std √((1 + 0 + 1) / 2) = 1.
    expect(x[0]).toBeCloseTo(-1, 5);
    expect(x[2]).toBeCloseTo(1, 5);
  });

  it('explainedVariance is 1 for perfect predictions and 0 for the mean', () => {
    const y = new Float32Array([1, 2, 3]);
    expect(explainedVariance(y, y)).toBe(1);
    expect(explainedVariance(new Float32Array([2, 2, 2]), y)).toBeCloseTo(0, 6);
  });

  it('splitEven covers every index once with sizes differing by at most one', () => {
    expect(splitEven(10, 4)).toEqual([
      [0, 2],
      [2, 5],
      [5, 7],
      [7, 10],
    ]);
  });
});
