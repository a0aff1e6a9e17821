/**
 * Frames as pictures for people: PNG encoding (pngjs), a depth colour map, a semantic palette.
 * Not on the training path: these allocate freely.
 */
import { PNG } from 'pngjs';
import { turboChannel } from '../core/colormap.js';

/** Encode an RGB (HWC, uint8) image as PNG bytes. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`encodePng: expected ${width * height * 3} bytes of RGB, got ${rgb.length}`);
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** Decode PNG bytes into RGB (HWC, uint8), dropping alpha. */
export function decodePng(bytes: Buffer): { width: number; height: number; rgb: Uint8Array } {
  const png = PNG.sync.read(bytes);
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = png.data[j]!;
    rgb[i + 1] = png.data[j + 1]!;
    rgb[i + 2] = png.data[j + 2]!;
  }
  return { width: png.width, height: png.height, rgb };
}

/** Depth (m) → RGB: near is blue, far is dark red (turbo map over [near, far]). */
export function depthToRgb(depth: Float32Array, near: number, far: number): Uint8Array {
  const out = new Uint8Array(depth.length * 3);
  for (let i = 0; i < depth.length; i++) {
    const t = (depth[i]! - near) / (far - near);
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(turboChannel(t, c));
  }
  return out;
}

/** A distinct colour per id (id 0 = void is black): golden-angle hues. */
export function paletteColor(id: number): [number, number, number] {
  if (id === 0) return [0, 0, 0];
  const hue = (id * 137.508) % 360;
  const light = id % 2 === 0 ? 0.55 : 0.7;
  return hslToRgb(hue, 0.75, light);
}

/** Category (or instance) ids → RGB through `paletteColor`. */
export function semanticToRgb(ids: Uint8Array | Uint16Array): Uint8Array {
  const out = new Uint8Array(ids.length * 3);
  for (let i = 0; i < ids.length; i++) {
    const [r, g, b] = paletteColor(ids[i]!);
    out[i * 3] = r;
    out[i * 3 + 1] = g;
    out[i * 3 + 2] = b;
  }
  return out;
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/**
 * A saliency map blended over a camera frame, for people: the frame (RGB, or depth in metres shown as
 * grey, near = white, far = black) with the turbo colour of each score laid over it, opacity
 * `alpha · score` (a score of 0 leaves the frame as it is). `map` is H×W in [0, 1]; the result is RGB
 * HWC enlarged by `scale` (nearest neighbour, so the camera's pixels stay visible).
 */
export function saliencyOverlay(
  frame: { width: number; height: number; rgb?: Uint8Array; depth?: Float32Array; far?: number },
  map: Float32Array,
  options: { alpha?: number; scale?: number } = {},
): { width: number; height: number; rgb: Uint8Array } {
  const { width, height } = frame;
  const n = width * height;
  if (map.length !== n) throw new RangeError(`saliencyOverlay: the map has ${map.length} values, the frame ${n} pixels`);
  const alpha = options.alpha ?? 0.6;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`saliencyOverlay: scale must be a positive integer, got ${scale}`);
  const base = new Uint8Array(n * 3);
  if (frame.rgb) {
    if (frame.rgb.length !== n * 3) throw new RangeError(`saliencyOverlay: expected ${n * 3} bytes of RGB, got ${frame.rgb.length}`);
    base.set(frame.rgb);
  } else if (frame.depth) {
    if (frame.depth.length !== n) throw new RangeError(`saliencyOverlay: expected ${n} depth values, got ${frame.depth.length}`);
    const far = frame.far ?? 1;
    for (let i = 0; i < n; i++) base.fill(Math.round(255 * (1 - Math.min(1, Math.max(0, frame.depth[i]! / far)))), i * 3, i * 3 + 3);
  } else {
    throw new RangeError('saliencyOverlay: the frame needs rgb or depth');
  }
  const heat = depthToRgb(map, 0, 1);
  const out = new Uint8Array(n * 3 * scale * scale);
  const outWidth = width * scale;
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < outWidth; x++) {
      const p = Math.floor(y / scale) * width + Math.floor(x / scale);
      const a = alpha * Math.min(1, Math.max(0, map[p]!));
      for (let c = 0; c < 3; c++) out[(y * outWidth + x) * 3 + c] = Math.round((1 - a) * base[p * 3 + c]! + a * heat[p * 3 + c]!);
    }
  }
  return { width: outWidth, height: height * scale, rgb: out };
}
