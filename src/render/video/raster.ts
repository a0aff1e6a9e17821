/**
 * RGBA images for video frames: allocation, nearest-neighbour scaling of camera frames into them
 * and blended rectangles. Not on the training path; each call touches every pixel once.
 */

/** An RGBA image, row-major, row 0 = top, 4 bytes per pixel (alpha 255 for opaque video frames). */
export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes. */
  data: Uint8Array;
}

/** A colour as [r, g, b] bytes. */
export type Rgb = readonly [number, number, number];

/** A new opaque image filled with `color` (black by default). */
export function createImage(width: number, height: number, color: Rgb = [0, 0, 0]): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`createImage: width and height must be integers >= 1, got ${width}×${height}`);
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = color[0];
    data[i + 1] = color[1];
    data[i + 2] = color[2];
    data[i + 3] = 255;
  }
  return { width, height, data };
}

/**
 * Scale an RGB (HWC, uint8) frame into `out` by nearest neighbour, as large as fits while keeping
 * its aspect ratio, centred; the bars around it are black. Nearest keeps the agent's pixels sharp
 * (a person sees exactly the image the policy saw).
 */
export function scaleNearestInto(rgb: Uint8Array, width: number, height: number, out: RgbaImage): void {
  if (rgb.length !== width * height * 3)
    throw new RangeError(`scaleNearestInto: expected ${width * height * 3} bytes of RGB for ${width}×${height}, got ${rgb.length}`);
  const scale = Math.min(out.width / width, out.height / height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const left = Math.floor((out.width - w) / 2);
  const top = Math.floor((out.height - h) / 2);
  const data = out.data;
  data.fill(0);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.floor((y * height) / h));
    let o = ((top + y) * out.width + left) * 4;
    for (let x = 0; x < w; x++, o += 4) {
      const s = (sy * width + Math.min(width - 1, Math.floor((x * width) / w))) * 3;
      data[o] = rgb[s]!;
      data[o + 1] = rgb[s + 1]!;
      data[o + 2] = rgb[s + 2]!;
    }
  }
}

/** Blend `color` over the rectangle [x, x + w) × [y, y + h), clipped to the image; `alpha` in [0, 1]. */
export function fillRect(image: RgbaImage, x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(image.width, Math.floor(x + w));
  const y1 = Math.min(image.height, Math.floor(y + h));
  const keep = 1 - alpha;
  const data = image.data;
  for (let row = y0; row < y1; row++) {
    for (let o = (row * image.width + x0) * 4, end = (row * image.width + x1) * 4; o < end; o += 4) {
      data[o] = Math.round(data[o]! * keep + color[0] * alpha);
      data[o + 1] = Math.round(data[o + 1]! * keep + color[1] * alpha);
      data[o + 2] = Math.round(data[o + 2]! * keep + color[2] * alpha);
    }
  }
}
