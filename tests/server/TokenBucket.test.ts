import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/server/TokenBucket.js';

describe('TokenBucket', () => {
  it('lets a burst of `capacity` through, then refills at `rate` per second, never beyond capacity', () => {
    const bucket = new TokenBucket(3, 0.5, 0);
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    // 0.5 token/s: one more after 2 s, and none in between.
    expect(bucket.take(1000)).toBe(false);
    expect(bucket.take(2000)).toBe(true);
    expect(bucket.take(2000)).toBe(false);
    // A long quiet spell refills the bucket to its capacity only.
    expect([1, 2, 3, 4].map(() => bucket.take(3_600_000))).toEqual([true, true, true, false]);
  });
});
