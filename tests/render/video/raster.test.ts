/** RGBA frames: filling, nearest-neighbour scaling with letterboxing, blended rectangles (values worked out by hand). */
import { describe, expect, it } from 'vitest';
import { createImage, fillRect, scaleNearestInto } from '../../../src/render/video/raster.js';

/** The RGB of pixel (x, y). */
function px(image: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const o = (y * image.width + x) * 4;
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!];
}

describe('createImage', () => {
  it('fills every pixel with the colour, opaque', () => {
    const image = createImage(3, 2, [10, 20, 30]);
    expect(image.data.length).toBe(3 * 2 * 4);
    for (let i = 0; i < 6; i++) expect([...image.data.subarray(4 * i, 4 * i + 4)]).toEqual([10, 20, 30, 255]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createImage(0, 2)).toThrow(RangeError);
    expect(() => createImage(2.5, 2)).toThrow(RangeError);
  });
});

describe('scaleNearestInto', () => {
  // A 2×2 RGB frame: red, green / blue, white.
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);

  it('turns each source pixel into a block when the scale is whole (2×2 → 4×4)', () => {
    const out = createImage(4, 4, [7, 7, 7]);
    scaleNearestInto(rgb, 2, 2, out);
    expect(px(out, 0, 0)).toEqual([255, 0, 0]);
    expect(px(out, 1, 1)).toEqual([255, 0, 0]);
    expect(px(out, 2, 0)).toEqual([0, 255, 0]);
    expect(px(out, 3, 1)).toEqual([0, 255, 0]);
    expect(px(out, 0, 2)).toEqual([0, 0, 255]);
    expect(px(out, 3, 3)).toEqual([255, 255, 255]);
  });

  it('keeps the aspect ratio: a 2×1 frame in a 4×4 image fills rows 1-2, black bars above and below', () => {
    const wide = Uint8Array.from([255, 0, 0, 0, 255, 0]);
    const out = createImage(4, 4, [7, 7, 7]);
    scaleNearestInto(wide, 2, 1, out);
    for (let x = 0; x < 4; x++) {
      expect(px(out, x, 0)).toEqual([0, 0, 0]);
      expect(px(out, x, 3)).toEqual([0, 0, 0]);
      expect(px(out, x, 1)).toEqual(x < 2 ? [255, 0, 0] : [0, 255, 0]);
    }
  });

  it('refuses a frame of the wrong length', () => {
    expect(() => scaleNearestInto(new Uint8Array(5), 2, 2, createImage(4, 4))).toThrow(/12 bytes/);
  });
});

describe('fillRect', () => {
  it('blends by alpha and clips to the image', () => {
    const image = createImage(4, 4, [100, 100, 100]);
    fillRect(image, 2, 2, 10, 10, [200, 0, 100], 0.5);
    // 100·0.5 + 200·0.5 = 150; 100·0.5 + 0 = 50; 100·0.5 + 100·0.5 = 100.
    expect(px(image, 3, 3)).toEqual([150, 50, 100]);
    expect(px(image, 2, 2)).toEqual([150, 50, 100]);
    expect(px(image, 1, 1)).toEqual([100, 100, 100]);
    expect(px(image, 3, 1)).toEqual([100, 100, 100]);
  });
});
