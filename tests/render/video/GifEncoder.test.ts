/** GIF encoding: the file decodes (omggif) to the frames given, with their size, delays and colours; same frames, same bytes. */
import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import { GifEncoder } from '../../../src/render/video/GifEncoder.js';
import { createImage, fillRect, type Rgb } from '../../../src/render/video/raster.js';

const COLORS: Rgb[] = [
  [255, 0, 0],
  [0, 128, 255],
  [20, 200, 40],
];

function encode(): Uint8Array {
  const gif = new GifEncoder(32, 16, 10);
  COLORS.forEach((color, i) => {
    const image = createImage(32, 16, color);
    fillRect(image, 0, 0, 8, 8, [255, 255, 255]);
    gif.addFrame(image, i === 2 ? 5 : 1);
  });
  expect(gif.frameCount).toBe(3);
  return gif.finish();
}

describe('GifEncoder', () => {
  it('writes a GIF that decodes to the frames, their size, delays (centiseconds) and colours', () => {
    const reader = new GifReader(encode());
    expect([reader.width, reader.height, reader.numFrames()]).toEqual([32, 16, 3]);
    expect(reader.loopCount()).toBe(0);
    // 10 fps: 100 ms = 10 cs per frame; the last one is held 5 periods.
    expect([0, 1, 2].map((f) => reader.frameInfo(f).delay)).toEqual([10, 10, 50]);
    const pixels = new Uint8Array(32 * 16 * 4);
    COLORS.forEach((color, f) => {
      reader.decodeAndBlitFrameRGBA(f, pixels);
      // Two colours per frame: the palette holds both exactly.
      expect([...pixels.subarray(0, 3)]).toEqual([255, 255, 255]);
      const o = (15 * 32 + 31) * 4;
      expect([...pixels.subarray(o, o + 3)]).toEqual([...color]);
    });
  });

  it('gives the same bytes for the same frames', () => {
    expect(Buffer.from(encode()).equals(Buffer.from(encode()))).toBe(true);
  });

  it('refuses an fps outside [1, 100] and a frame of another size', () => {
    expect(() => new GifEncoder(8, 8, 0)).toThrow(RangeError);
    expect(() => new GifEncoder(8, 8, 101)).toThrow(RangeError);
    expect(() => new GifEncoder(8, 8, 10).addFrame(createImage(8, 9))).toThrow(/8×9/);
  });
});
