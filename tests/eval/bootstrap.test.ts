import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { bootstrapMeanCI, mean, quantileSorted } from '../../src/eval/bootstrap.js';

describe('quantileSorted', () => {
  it('interpolates between order statistics (R type 7)', () => {
    const sorted = [1, 2, 4, 8];
    // h = (n − 1)·q: q = 0.5 → h = 1.5 → 2 + 0.5·(4 − 2) = 3; q = 0.9 → h = 2.7 → 4 + 0.7·4 = 6.8.
    expect(quantileSorted(sorted, 0.5)).toBe(3);
    expect(quantileSorted(sorted, 0.9)).toBeCloseTo(6.8, 12);
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 1)).toBe(8);
  });
});

describe('bootstrapMeanCI', () => {
  it('covers the true mean of a known distribution in about 95% of trials', () => {
    // Exponential(1) samples of 40 (skewed, true mean 1): 200 independent trials, one seed.
    const data = new Rng(7);
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const x = Float64Array.from({ length: 40 }, () => -Math.log(1 - data.random()));
      const [[lo, hi]] = bootstrapMeanCI([x], { seed: t, resamples: 1000 }) as [[number, number]];
      if (lo <= 1 && 1 <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.9);
    expect(covered / trials).toBeLessThanOrEqual(0.99);
  });

  it('is narrower for a lower confidence and brackets the sample mean', () => {
    const rng = new Rng(3);
    const x = Float64Array.from({ length: 100 }, () => rng.normal());
    const [[lo95, hi95]] = bootstrapMeanCI([x], { seed: 1 }) as [[number, number]];
    const [[lo50, hi50]] = bootstrapMeanCI([x], { seed: 1, confidence: 0.5 }) as [[number, number]];
    expect(lo95).toBeLessThan(lo50);
    expect(hi95).toBeGreaterThan(hi50);
    expect(lo50).toBeLessThan(mean(x));
    expect(hi50).toBeGreaterThan(mean(x));
    // Standard error 1/√100 = 0.1: a 95% interval is about 0.39 wide.
    expect(hi95 - lo95).toBeGreaterThan(0.3);
    expect(hi95 - lo95).toBeLessThan(0.5);
  });

  it('gives the same intervals for the same seed, per column whatever the other columns', () => {
    const rng = new Rng(11);
    const a = Array.from({ length: 30 }, () => rng.normal());
    const b = Array.from({ length: 30 }, () => rng.int(2));
    const both = bootstrapMeanCI([a, b], { seed: 5 });
    expect(bootstrapMeanCI([a, b], { seed: 5 })).toEqual(both);
    expect(bootstrapMeanCI([a], { seed: 5 })[0]).toEqual(both[0]);
    expect(bootstrapMeanCI([a], { seed: 6 })[0]).not.toEqual(both[0]);
  });

  it('stays inside the range of 0/1 data and collapses for constant data', () => {
    const [[lo, hi]] = bootstrapMeanCI([[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]) as [[number, number]];
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(bootstrapMeanCI([[2, 2, 2]])).toEqual([[2, 2]]);
  });

  it('rejects columns of different lengths, no data and bad settings', () => {
    expect(() => bootstrapMeanCI([[1, 2], [1]])).toThrow(/column 1 has 1 values/);
    expect(() => bootstrapMeanCI([[]])).toThrow(/no values/);
    expect(() => bootstrapMeanCI([[1]], { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapMeanCI([[1]], { confidence: 1 })).toThrow(/confidence/);
  });
});
