/** The HUD: its scale follows the frame size, its panel fits the text, the rest of the frame is untouched. */
import { describe, expect, it } from 'vitest';
import { GLYPH_HEIGHT, textWidth } from '../../../src/render/video/bitmapFont.js';
import { drawHud, hudScale } from '../../../src/render/video/hud.js';
import { createImage } from '../../../src/render/video/raster.js';

function px(image: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const o = (y * image.width + x) * 4;
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!];
}

describe('drawHud', () => {
  it('scales with the shorter side: one font pixel per 128 pixels, at least 1', () => {
    expect(hudScale({ width: 100, height: 300 })).toBe(1);
    expect(hudScale({ width: 256, height: 256 })).toBe(2);
    expect(hudScale({ width: 1024, height: 600 })).toBe(4);
  });

  it('darkens a panel that fits the longest line, writes white text in it and leaves the rest of the frame alone', () => {
    const image = createImage(256, 256, [200, 200, 200]);
    const lines = ['EP 1/2  STEP 3/40', 'SPL 0.5'];
    drawHud(image, lines);
    const scale = 2;
    const pad = 2 * scale;
    const panelWidth = textWidth(lines[0]!, scale) + 2 * pad;
    const panelHeight = 2 * (GLYPH_HEIGHT + 3) * scale - 3 * scale + 2 * pad;
    // 200 · (1 − 0.6) = 80 inside the panel; 200 outside.
    expect(px(image, 0, 0)).toEqual([80, 80, 80]);
    expect(px(image, panelWidth - 1, panelHeight - 1)).toEqual([80, 80, 80]);
    expect(px(image, panelWidth, 0)).toEqual([200, 200, 200]);
    expect(px(image, 0, panelHeight)).toEqual([200, 200, 200]);
    let white = 0;
    for (let y = 0; y < panelHeight; y++) for (let x = 0; x < panelWidth; x++) if (px(image, x, y)[0] === 255) white++;
    expect(white).toBeGreaterThan(100);
    for (let y = panelHeight; y < 256; y++) for (let x = 0; x < 256; x++) expect(px(image, x, y)[0]).toBe(200);
  });

  it('draws nothing for no lines', () => {
    const image = createImage(32, 32, [9, 9, 9]);
    drawHud(image, []);
    expect(image.data.every((v, i) => v === (i % 4 === 3 ? 255 : 9))).toBe(true);
  });
});
