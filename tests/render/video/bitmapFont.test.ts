/** The 5×7 HUD font: glyph shapes, widths, scaling, case and unknown characters. */
import { describe, expect, it } from 'vitest';
import { drawText, GLYPH_HEIGHT, GLYPH_WIDTH, textWidth } from '../../../src/render/video/bitmapFont.js';
import { createImage, type RgbaImage } from '../../../src/render/video/raster.js';

/** The image as rows of '#' (red channel 255) and '.'. */
function picture(image: RgbaImage): string[] {
  const rows: string[] = [];
  for (let y = 0; y < image.height; y++) {
    let row = '';
    for (let x = 0; x < image.width; x++) row += image.data[(y * image.width + x) * 4] === 255 ? '#' : '.';
    rows.push(row);
  }
  return rows;
}

function lit(image: RgbaImage): number {
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) if (image.data[i] === 255) n++;
  return n;
}

describe('bitmap font', () => {
  it('draws the glyphs as designed, one blank column between characters', () => {
    const image = createImage(11, 7);
    drawText(image, 'I1', 0, 0, [255, 255, 255]);
    expect(picture(image)).toEqual([
      '.###....#..',
      '..#....##..',
      '..#.....#..',
      '..#.....#..',
      '..#.....#..',
      '..#.....#..',
      '.###...###.',
    ]);
  });

  it('measures text: 5 pixels per character, 1 between, times the scale', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('A')).toBe(GLYPH_WIDTH);
    expect(textWidth('AB', 2)).toBe((2 * (GLYPH_WIDTH + 1) - 1) * 2);
  });

  it('draws each font pixel as a scale × scale block', () => {
    const one = createImage(40, 20);
    const three = createImage(120, 60);
    drawText(one, 'SPL 0.5', 0, 0, [255, 0, 0], 1);
    drawText(three, 'SPL 0.5', 0, 0, [255, 0, 0], 3);
    expect(lit(three)).toBe(9 * lit(one));
    expect(() => drawText(one, 'A', 0, 0, [255, 0, 0], 1.5)).toThrow(RangeError);
  });

  it('draws lower case as capitals and unknown characters as ?', () => {
    const lower = createImage(30, GLYPH_HEIGHT);
    const upper = createImage(30, GLYPH_HEIGHT);
    drawText(lower, 'spl', 0, 0, [255, 0, 0]);
    drawText(upper, 'SPL', 0, 0, [255, 0, 0]);
    expect(lower.data).toEqual(upper.data);
    const unknown = createImage(6, GLYPH_HEIGHT);
    const question = createImage(6, GLYPH_HEIGHT);
    drawText(unknown, 'é', 0, 0, [255, 0, 0]);
    drawText(question, '?', 0, 0, [255, 0, 0]);
    expect(unknown.data).toEqual(question.data);
    expect(lit(question)).toBeGreaterThan(0);
  });

  it('clips text at the edges of the image', () => {
    const image = createImage(8, 4);
    expect(() => drawText(image, 'WWWW', -3, -2, [255, 0, 0], 2)).not.toThrow();
    expect(lit(image)).toBeGreaterThan(0);
  });
});
