/**
 * MP4 (H.264) encoding through Debian's `ffmpeg`: raw RGBA frames go to its standard input and it
 * writes libx264 in yuv420p, the profile every browser and player reads. yuv420p halves the chroma
 * resolution, so width and height must be even.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { RgbaImage } from './raster.js';

/** What to install when ffmpeg is missing (Debian package name and command). */
export const FFMPEG_INSTALL = 'apt-get install -y ffmpeg';

/** Stderr kept to explain a failed encode (bytes, the tail). */
const STDERR_TAIL = 4096;

/** The path of executable `name` on PATH, or null. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** The ffmpeg on PATH, or null when it is not installed. */
export function findFfmpeg(): string | null {
  return findExecutable('ffmpeg');
}

/** Options of an MP4 encode. */
export interface Mp4Options {
  /** Frames per second. */
  fps: number;
  /** libx264 constant rate factor: 0 lossless … 51 worst. @default 20 */
  crf?: number;
  /** The ffmpeg executable. @default findFfmpeg() */
  ffmpeg?: string;
}

/** Streams frames into an ffmpeg process that writes `file` (MP4, whatever its extension). */
export class Mp4Encoder {
  private readonly process: ChildProcess;
  private readonly exited: Promise<number | null>;
  private stderr = '';
  private frames = 0;
  private failure: Error | null = null;

  /**
   * Start ffmpeg writing `file`. Throws when ffmpeg is missing or the size is odd.
   * @param width frame width (pixels, even)
   * @param height frame height (pixels, even)
   */
  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    options: Mp4Options,
  ) {
    if (width % 2 !== 0 || height % 2 !== 0)
      throw new RangeError(`Mp4Encoder: yuv420p needs an even width and height, got ${width}×${height}`);
    const ffmpeg = options.ffmpeg ?? findFfmpeg();
    if (ffmpeg === null) throw new Error(`ffmpeg is not installed: MP4 output needs Debian's ffmpeg (${FFMPEG_INSTALL})`);
    const args = [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-framerate', String(options.fps), '-i', 'pipe:0'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', String(options.crf ?? 20), '-preset', 'medium'],
      // The index at the front: a browser starts playing before the whole file has arrived.
      ...['-movflags', '+faststart', '-f', 'mp4', '-y', file],
    ];
    this.process = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.process.stderr!.setEncoding('utf8');
    this.process.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    // A write after ffmpeg died fails with EPIPE: remember it, `finish` reports ffmpeg's own message.
    this.process.stdin!.on('error', (err) => {
      this.failure ??= err;
    });
    this.exited = new Promise((resolve) => {
      this.process.once('error', (err) => {
        this.failure ??= err;
        resolve(null);
      });
      this.process.once('close', (code) => resolve(code));
    });
  }

  /** Frames written so far (a held frame counts `hold` times: MP4 has one duration per frame). */
  get frameCount(): number {
    return this.frames;
  }

  /** Append a frame shown for `hold` frame periods; resolves once ffmpeg has taken it (back-pressure). */
  async addFrame(image: RgbaImage, hold = 1): Promise<void> {
    if (image.width !== this.width || image.height !== this.height)
      throw new RangeError(`Mp4Encoder: frame is ${image.width}×${image.height}, the video ${this.width}×${this.height}`);
    const stdin = this.process.stdin!;
    // A copy: the stream keeps the chunk until ffmpeg reads it, and callers reuse their frame buffer.
    const bytes = Buffer.from(image.data);
    for (let i = 0; i < hold; i++) {
      if (this.failure !== null || stdin.destroyed) throw this.error();
      this.frames++;
      if (!stdin.write(bytes)) await Promise.race([once(stdin, 'drain'), this.exited]);
    }
  }

  /** Close ffmpeg's input and wait for it to write the file; throws with ffmpeg's message if it failed. */
  async finish(): Promise<void> {
    this.process.stdin!.end();
    const code = await this.exited;
    if (code !== 0 || this.failure !== null) throw this.error(code);
  }

  /** Stop ffmpeg without finishing the file (the caller removes it). */
  async abort(): Promise<void> {
    this.process.stdin!.destroy();
    this.process.kill('SIGKILL');
    await this.exited;
  }

  private error(code?: number | null): Error {
    const said = this.stderr.trim().split('\n').at(-1) ?? '';
    const why = said !== '' ? said : (this.failure?.message ?? `exit code ${code}`);
    return new Error(`ffmpeg failed writing ${this.file}: ${why}`);
  }
}
