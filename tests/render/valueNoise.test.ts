import { describe, expect, it } from 'vitest';
import { NOISE_IO, valueNoise } from '../../src/render/valueNoise.js';

function noise(x: number, y: number): number {
  NOISE_IO[0] = x;
  NOISE_IO[1] = y;
  valueNoise();
  return NOISE_IO[2]!;
}

describe('valueNoise', () => {
  it('is deterministic, in [0, 1], and not constant', () => {
    const values: number[] = [];
    for (let i = 0; i < 400; i++) values.push(noise(i * 0.37 - 20, i * 0.11 + 3));
    for (const v of values) expect(v >= 0 && v <= 1).toBe(true);
    expect(values.map((_, i) => noise(i * 0.37 - 20, i * 0.11 + 3))).toEqual(values);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.3);
  });

  it('is continuous: a 1 mm step moves it by less than 1 %', () => {
    for (let i = 0; i < 50; i++) {
      const x = i * 0.731 - 10;
      const y = i * 0.293;
      expect(Math.abs(noise(x + 1e-3, y) - noise(x, y))).toBeLessThan(0.01);
    }
  });
});
