import { describe, expect, it } from 'vitest';
import { decodePng, depthToRgb, encodePng, paletteColor, semanticToRgb } from '../../src/render/png.js';

describe('png', () => {
  it('round-trips RGB through PNG bytes', () => {
    const rgb = new Uint8Array(5 * 3 * 3).map((_, i) => (i * 37) % 256);
    const bytes = encodePng(5, 3, rgb);
    expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    const back = decodePng(bytes);
    expect([back.width, back.height]).toEqual([5, 3]);
    expect(Array.from(back.rgb)).toEqual(Array.from(rgb));
    expect(() => encodePng(5, 3, new Uint8Array(10))).toThrow(/expected 45 bytes/);
  });

  it('maps depth from blue (near) to red (far) and ids to distinct colours', () => {
    const rgb = depthToRgb(new Float32Array([0, 5, 10, 20]), 0, 10);
    // near: blue dominates red; far: red dominates blue; beyond far clamps to far.
    expect(rgb[2]!).toBeGreaterThan(rgb[0]!);
    expect(rgb[6]!).toBeGreaterThan(rgb[8]!);
    expect(Array.from(rgb.subarray(9, 12))).toEqual(Array.from(rgb.subarray(6, 9)));
    expect(paletteColor(0)).toEqual([0, 0, 0]);
    const colours = new Set(Array.from({ length: 30 }, (_, i) => paletteColor(i + 1).join(',')));
    expect(colours.size).toBe(30);
    expect(Array.from(semanticToRgb(new Uint8Array([0, 2])))).toEqual([0, 0, 0, ...paletteColor(2)]);
  });
});
