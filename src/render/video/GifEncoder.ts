/**
 * Animated GIF encoding through gifenc: each frame gets its own 256-colour palette (quantised in
 * RGB565), so a camera view that changes colour through an episode keeps its colours. The output
 * depends only on the frames: the same frames give the same bytes.
 */
import { createRequire } from 'node:module';
import type { RgbaImage } from './raster.js';

/** The parts of gifenc 1.0.3 robonav uses (the package ships no types). */
interface Gifenc {
  GIFEncoder(): {
    writeFrame(index: Uint8Array, width: number, height: number, options: { palette: number[][]; delay: number; repeat: number }): void;
    finish(): void;
    bytes(): Uint8Array;
  };
  quantize(rgba: Uint8Array, maxColors: number, options: { format: 'rgb565' }): number[][];
  applyPalette(rgba: Uint8Array, palette: number[][], format: 'rgb565'): Uint8Array;
}

// Its CommonJS build through require: bundlers and test runners would otherwise pick its ES build, whose exports differ.
const gifenc = createRequire(import.meta.url)('gifenc') as Gifenc;

/** GIF frame delays are whole centiseconds: 100 frames per second at most. */
export const MAX_GIF_FPS = 100;

/** Collects frames and returns the GIF file's bytes. */
export class GifEncoder {
  private readonly stream = gifenc.GIFEncoder();
  private frames = 0;
  private finished = false;

  /**
   * @param width frame width (pixels)
   * @param height frame height (pixels)
   * @param fps frames per second, 1..MAX_GIF_FPS
   */
  constructor(
    readonly width: number,
    readonly height: number,
    readonly fps: number,
  ) {
    if (!(fps >= 1 && fps <= MAX_GIF_FPS)) throw new RangeError(`GifEncoder: fps must be in [1, ${MAX_GIF_FPS}], got ${fps}`);
  }

  /** Frames written so far (a held frame counts once). */
  get frameCount(): number {
    return this.frames;
  }

  /** Append a frame shown for `hold` frame periods (a held frame is one GIF frame with a longer delay). */
  addFrame(image: RgbaImage, hold = 1): void {
    if (this.finished) throw new Error('GifEncoder: addFrame after finish');
    if (image.width !== this.width || image.height !== this.height)
      throw new RangeError(`GifEncoder: frame is ${image.width}×${image.height}, the GIF ${this.width}×${this.height}`);
    const palette = gifenc.quantize(image.data, 256, { format: 'rgb565' });
    const index = gifenc.applyPalette(image.data, palette, 'rgb565');
    this.stream.writeFrame(index, this.width, this.height, { palette, delay: (1000 * hold) / this.fps, repeat: 0 });
    this.frames++;
  }

  /** End the stream and return the file's bytes. */
  finish(): Uint8Array {
    if (!this.finished) {
      this.stream.finish();
      this.finished = true;
    }
    return this.stream.bytes();
  }
}
