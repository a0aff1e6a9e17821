/**
 * A 5×7 pixel font for text burnt into video frames (the HUD): digits, capital letters and the
 * punctuation that figures need. Lower-case letters are drawn as capitals; any other character
 * as '?'. Drawn at an integer scale, so it stays crisp in GIF and MP4 frames alike.
 */
import type { Rgb, RgbaImage } from './raster.js';

/** Width and height of a glyph at scale 1 (pixels); characters advance by GLYPH_WIDTH + 1. */
export const GLYPH_WIDTH = 5;
/** Height of a glyph at scale 1 (pixels). */
export const GLYPH_HEIGHT = 7;

const CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:-+/%()=#'_<>?![]*";
/** Seven rows per glyph, two hex digits each; bit 4 is the leftmost column. */
const ROWS = [
  '0e11111f111111',
  '1e11111e11111e',
  '0e11101010110e',
  '1e11111111111e',
  '1f10101e10101f',
  '1f10101e101010',
  '0e11101711110f',
  '1111111f111111',
  '0e04040404040e',
  '0702020202120c',
  '11121418141211',
  '1010101010101f',
  '111b1515111111',
  '11111915131111',
  '0e11111111110e',
  '1e11111e101010',
  '0e11111115120d',
  '1e11111e141211',
  '0f10100e01011e',
  '1f040404040404',
  '1111111111110e',
  '11111111110a04',
  '1111111515150a',
  '11110a040a1111',
  '11110a04040404',
  '1f01020408101f',
  '0e11131519110e',
  '040c040404040e',
  '0e11010204081f',
  '1f02040201110e',
  '02060a121f0202',
  '1f101e0101110e',
  '0608101e11110e',
  '1f010204080808',
  '0e11110e11110e',
  '0e11110f01020c',
  '00000000000000',
  '00000000000c0c',
  '000000000c0408',
  '000c0c000c0c00',
  '0000001f000000',
  '0004041f040400',
  '00010204081000',
  '18190204081303',
  '02040808080402',
  '08040202020408',
  '00001f001f0000',
  '0a0a1f0a1f0a0a',
  '04040800000000',
  '0000000000001f',
  '02040810080402',
  '08040201020408',
  '0e110102040004',
  '04040404040004',
  '0e08080808080e',
  '0e02020202020e',
  '0004150e150400',
];

/** Glyph rows by character code, decoded once. */
const GLYPHS = new Map<string, Uint8Array>(
  [...CHARACTERS].map((ch, i) => [
    ch,
    Uint8Array.from({ length: GLYPH_HEIGHT }, (_, r) => Number.parseInt(ROWS[i]!.slice(2 * r, 2 * r + 2), 16)),
  ]),
);
const UNKNOWN = GLYPHS.get('?')!;

/** Width (pixels) of `text` drawn at `scale`: GLYPH_WIDTH per character, one column between characters. */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** Draw `text` with its top-left corner at (x, y), each font pixel a scale × scale block; clipped to the image. */
export function drawText(image: RgbaImage, text: string, x: number, y: number, color: Rgb, scale = 1): void {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`drawText: scale must be an integer >= 1, got ${scale}`);
  const { width, height, data } = image;
  let left = Math.round(x);
  const top = Math.round(y);
  for (const ch of text.toUpperCase()) {
    const rows = GLYPHS.get(ch) ?? UNKNOWN;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      const bits = rows[r]!;
      if (bits === 0) continue;
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if ((bits & (1 << (GLYPH_WIDTH - 1 - c))) === 0) continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = top + r * scale + dy;
          if (py < 0 || py >= height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = left + c * scale + dx;
            if (px < 0 || px >= width) continue;
            const o = (py * width + px) * 4;
            data[o] = color[0];
            data[o + 1] = color[1];
            data[o + 2] = color[2];
            data[o + 3] = 255;
          }
        }
      }
    }
    left += (GLYPH_WIDTH + 1) * scale;
  }
}
