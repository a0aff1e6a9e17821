/**
 * A video file written frame by frame, GIF or MP4 by its extension, that appears under its name
 * only when complete: the frames go to a temporary file beside it (MP4) or to memory (GIF), and
 * `close()` renames or writes it into place atomically; `abort()` leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { syncDir, writeFileAtomic } from '../../core/atomicWrite.js';
import { GifEncoder } from './GifEncoder.js';
import { Mp4Encoder } from './Mp4Encoder.js';
import type { RgbaImage } from './raster.js';

/** The video formats robonav writes, named by their file extension. */
export const VIDEO_FORMATS = ['gif', 'mp4'] as const;
/** One of `VIDEO_FORMATS`. */
export type VideoFormat = (typeof VIDEO_FORMATS)[number];

/** The format a path's extension names (case-insensitive), or null for any other extension. */
export function videoFormatOf(path: string): VideoFormat | null {
  const ext = extname(path).slice(1).toLowerCase();
  return (VIDEO_FORMATS as readonly string[]).includes(ext) ? (ext as VideoFormat) : null;
}

/** Size and speed of a video file. */
export interface VideoFileOptions {
  /** Frame width and height (pixels; even for MP4). */
  width: number;
  height: number;
  /** Frames per second. */
  fps: number;
  /** The ffmpeg executable for MP4. @default the one on PATH */
  ffmpeg?: string;
}

/** What `VideoFile.close` wrote. */
export interface VideoFileSummary {
  path: string;
  format: VideoFormat;
  /** Frames in the file (a held GIF frame counts once; in an MP4 it counts once per frame period). */
  frames: number;
  /** File size (bytes). */
  bytes: number;
}

/** A GIF or MP4 being written (see the file header). */
export class VideoFile {
  /** open → closing (close() running) → done (in place, or aborted). */
  private state: 'open' | 'closing' | 'done' = 'open';

  private constructor(
    readonly path: string,
    readonly format: VideoFormat,
    private readonly encoder: GifEncoder | Mp4Encoder,
    private readonly temporary: string | null,
  ) {}

  /** Start a video at `path`; its extension (.gif or .mp4) chooses the format. */
  static open(path: string, options: VideoFileOptions): VideoFile {
    const format = videoFormatOf(path);
    if (format === null) throw new RangeError(`VideoFile: ${path} is neither .gif nor .mp4`);
    if (format === 'gif') return new VideoFile(path, format, new GifEncoder(options.width, options.height, options.fps), null);
    const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const encoder = new Mp4Encoder(temporary, options.width, options.height, {
      fps: options.fps,
      ...(options.ffmpeg !== undefined ? { ffmpeg: options.ffmpeg } : {}),
    });
    return new VideoFile(path, format, encoder, temporary);
  }

  /** Append a frame shown for `hold` frame periods. */
  async addFrame(image: RgbaImage, hold = 1): Promise<void> {
    if (this.state !== 'open') throw new Error(`VideoFile ${this.path}: addFrame after close`);
    if (!Number.isInteger(hold) || hold < 1) throw new RangeError(`VideoFile: hold must be an integer >= 1, got ${hold}`);
    await this.encoder.addFrame(image, hold);
  }

  /** Finish the video and put it in place under its name. */
  async close(): Promise<VideoFileSummary> {
    if (this.state !== 'open') throw new Error(`VideoFile ${this.path}: closed twice`);
    this.state = 'closing';
    const frames = this.encoder.frameCount;
    if (this.encoder instanceof GifEncoder) {
      const bytes = this.encoder.finish();
      await writeFileAtomic(this.path, bytes);
      this.state = 'done';
      return { path: this.path, format: this.format, frames, bytes: bytes.byteLength };
    }
    const temporary = this.temporary!;
    try {
      await this.encoder.finish();
      const handle = await open(temporary, 'r');
      let bytes: number;
      try {
        await handle.sync();
        bytes = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
      this.state = 'done';
      await syncDir(dirname(this.path));
      return { path: this.path, format: this.format, frames, bytes };
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  /** Give up, also while `close()` is running (an interrupt): stop the encoder and remove what it wrote. A video already in place stays. */
  async abort(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    if (this.encoder instanceof Mp4Encoder) await this.encoder.abort();
    if (this.temporary !== null) await rm(this.temporary, { force: true });
  }
}
