import { describe, expect, it } from 'vitest';
import { packSrgb, srgbByte } from '../../src/render/srgb.js';

describe('srgb', () => {
  it('maps linear intensities to sRGB bytes, clamped', () => {
    expect(srgbByte(-1)).toBe(0);
    expect(srgbByte(0)).toBe(0);
    expect(srgbByte(1)).toBe(255);
    expect(srgbByte(7)).toBe(255);
    // 1.055 · 0.5^(1/2.4) − 0.055 = 0.7354 → 187.5 → 188.
    expect(srgbByte(0.5)).toBe(188);
    // Linear segment: 12.92 · 0.001 · 255 = 3.29 → 3.
    expect(srgbByte(0.001)).toBe(3);
  });

  it('packs three channels as 0xRRGGBB', () => {
    expect(packSrgb(1, 0.5, 0)).toBe((255 << 16) | (188 << 8) | 0);
  });
});
