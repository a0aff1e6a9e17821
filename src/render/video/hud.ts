/**
 * The heads-up display burnt into video frames: a few lines of text on a translucent dark panel in
 * the top-left corner, sized to the frame so that it reads the same at 128 and at 1024 pixels.
 */
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmapFont.js';
import { fillRect, type Rgb, type RgbaImage } from './raster.js';

/** How the HUD looks. */
export interface HudStyle {
  /** Font pixels per glyph pixel. @default hudScale(image) */
  scale?: number;
  /** Text colour. @default [255, 255, 255] */
  color?: Rgb;
  /** Panel opacity, 0..1. @default 0.6 */
  panelAlpha?: number;
}

/** The HUD's font scale for an image: one glyph pixel per 128 pixels of the shorter side, at least 1. */
export function hudScale(image: { width: number; height: number }): number {
  return Math.max(1, Math.floor(Math.min(image.width, image.height) / 128));
}

/** Draw `lines` top-left on `image` over a translucent panel that fits the longest line. */
export function drawHud(image: RgbaImage, lines: readonly string[], style: HudStyle = {}): void {
  if (lines.length === 0) return;
  const scale = style.scale ?? hudScale(image);
  const pad = 2 * scale;
  const lineHeight = (GLYPH_HEIGHT + 3) * scale;
  const width = Math.max(...lines.map((line) => textWidth(line, scale))) + 2 * pad;
  // The gap under the last line is not needed: the panel ends one pad below its glyphs.
  const height = lines.length * lineHeight - 3 * scale + 2 * pad;
  fillRect(image, 0, 0, width, height, [0, 0, 0], style.panelAlpha ?? 0.6);
  const color = style.color ?? [255, 255, 255];
  for (const [i, line] of lines.entries()) drawText(image, line, pad, pad + i * lineHeight, color, scale);
}
