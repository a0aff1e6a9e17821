/** Video files: the format by extension, the file in place only once complete, nothing left behind on abort. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GifReader } from 'omggif';
import { afterAll, describe, expect, it } from 'vitest';
import { createImage } from '../../../src/render/video/raster.js';
import { VideoFile, videoFormatOf } from '../../../src/render/video/VideoFile.js';
import { ffmpegAvailable, probe } from '../../helpers/ffmpeg.js';

const haveFfmpeg = ffmpegAvailable('tests/render/video/VideoFile.test.ts');
const root = mkdtempSync(join(tmpdir(), 'robonav-videofile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A new empty folder under the test's root. */
function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

describe('videoFormatOf', () => {
  it('reads the format from the extension, in any case', () => {
    expect(videoFormatOf('a/b.gif')).toBe('gif');
    expect(videoFormatOf('B.MP4')).toBe('mp4');
    expect(videoFormatOf('clip.webm')).toBeNull();
    expect(videoFormatOf('gif')).toBeNull();
  });
});

describe('VideoFile', () => {
  it('refuses another extension', () => {
    expect(() => VideoFile.open(join(root, 'x.avi'), { width: 8, height: 8, fps: 10 })).toThrow(/neither .gif nor .mp4/);
  });

  it('writes a GIF only when closed, with no temporary file left', async () => {
    const dir = folder('gif');
    const path = join(dir, 'clip.gif');
    const video = VideoFile.open(path, { width: 16, height: 8, fps: 5 });
    await video.addFrame(createImage(16, 8, [255, 0, 0]));
    await video.addFrame(createImage(16, 8, [0, 0, 255]), 3);
    expect(existsSync(path)).toBe(false);
    const summary = await video.close();
    expect(summary).toMatchObject({ path, format: 'gif', frames: 2 });
    expect(readdirSync(dir)).toEqual(['clip.gif']);
    const bytes = readFileSync(path);
    expect(summary.bytes).toBe(bytes.byteLength);
    expect(new GifReader(bytes).numFrames()).toBe(2);
    await expect(video.close()).rejects.toThrow(/closed twice/);
  });

  it.skipIf(!haveFfmpeg)('writes an MP4 through a temporary file renamed into place; abort leaves nothing', async () => {
    const dir = folder('mp4');
    const path = join(dir, 'clip.mp4');
    const video = VideoFile.open(path, { width: 32, height: 16, fps: 10 });
    await video.addFrame(createImage(32, 16, [0, 255, 0]), 4);
    expect(existsSync(path)).toBe(false);
    const summary = await video.close();
    expect(summary).toMatchObject({ path, format: 'mp4', frames: 4 });
    expect(readdirSync(dir)).toEqual(['clip.mp4']);
    expect(probe(path)).toMatchObject({ width: 32, height: 16, frames: 4 });

    const aborted = VideoFile.open(join(dir, 'aborted.mp4'), { width: 32, height: 16, fps: 10 });
    await aborted.addFrame(createImage(32, 16));
    await aborted.abort();
    expect(readdirSync(dir)).toEqual(['clip.mp4']);
  });
});
