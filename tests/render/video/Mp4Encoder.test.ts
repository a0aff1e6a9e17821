/**
 * MP4 through ffmpeg: the file probes (ffprobe) as H.264 yuv420p with the frames, size and
 * duration written; odd sizes, a missing ffmpeg and a failing one are reported.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable, Mp4Encoder } from '../../../src/render/video/Mp4Encoder.js';
import { createImage } from '../../../src/render/video/raster.js';
import { ffmpegAvailable, probe } from '../../helpers/ffmpeg.js';

const haveFfmpeg = ffmpegAvailable('tests/render/video/Mp4Encoder.test.ts');
const dir = mkdtempSync(join(tmpdir(), 'robonav-mp4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findExecutable', () => {
  it('finds an executable file on the given PATH and nothing else', () => {
    writeFileSync(join(dir, 'not-executable'), '');
    const tool = join(dir, 'tool');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    expect(findExecutable('tool', `/nonexistent:${dir}`)).toBe(tool);
    expect(findExecutable('not-executable', dir)).toBeNull();
    expect(findExecutable('tool', '')).toBeNull();
  });
});

describe('Mp4Encoder', () => {
  it('refuses an odd size (yuv420p) and says which package to install when ffmpeg is missing', () => {
    expect(() => new Mp4Encoder(join(dir, 'odd.mp4'), 15, 16, { fps: 10 })).toThrow(/even/);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => new Mp4Encoder(join(dir, 'x.mp4'), 16, 16, { fps: 10 })).toThrow(
        "MP4 output needs Debian's ffmpeg (apt-get install -y ffmpeg)",
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('reports a failure to start ffmpeg when the frames are finished', async () => {
    const encoder = new Mp4Encoder(join(dir, 'never.mp4'), 16, 16, { fps: 10, ffmpeg: join(dir, 'no-such-ffmpeg') });
    await expect(encoder.finish()).rejects.toThrow(/ffmpeg failed writing .*never\.mp4/);
    expect(existsSync(join(dir, 'never.mp4'))).toBe(false);
  });

  describe.skipIf(!haveFfmpeg)('with ffmpeg', () => {
    it('writes H.264 yuv420p with every frame period, the size and the duration', async () => {
      const file = join(dir, 'clip.mp4');
      const encoder = new Mp4Encoder(file, 64, 48, { fps: 10 });
      const image = createImage(64, 48);
      for (let i = 0; i < 8; i++) {
        image.data.fill(i * 30);
        await encoder.addFrame(image, i === 7 ? 5 : 1);
      }
      expect(encoder.frameCount).toBe(12);
      await encoder.finish();
      expect(probe(file)).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p', width: 64, height: 48, frames: 12 });
      expect(probe(file).duration).toBeCloseTo(1.2, 1);
    });

    it("passes on ffmpeg's own message when it cannot write the file", async () => {
      const encoder = new Mp4Encoder(join(dir, 'missing-folder', 'x.mp4'), 16, 16, { fps: 10 });
      await expect(
        (async () => {
          for (let i = 0; i < 50; i++) await encoder.addFrame(createImage(16, 16));
          await encoder.finish();
        })(),
      ).rejects.toThrow(/ffmpeg failed writing .*missing-folder/);
    });
  });
});
