/**
 * Debian's ffmpeg and ffprobe for the MP4 tests (`apt-get install -y ffmpeg`, as `.ci/run` does).
 * Without them a suite is skipped with a printed reason, except under CI (CI set), where that is
 * an error — the same rule as chromium in browser.ts.
 */
import { execFileSync } from 'node:child_process';
import { findExecutable } from '../../src/render/video/Mp4Encoder.js';

/** Whether ffmpeg and ffprobe are on PATH; says why the suite `file` is skipped if not, and throws under CI. */
export function ffmpegAvailable(file: string): boolean {
  if (findExecutable('ffmpeg') !== null && findExecutable('ffprobe') !== null) return true;
  if (process.env.CI) throw new Error('ffmpeg/ffprobe are missing: the MP4 tests need them (apt-get install -y ffmpeg)');
  console.log(`${file}: skipped, ffmpeg or ffprobe is missing (apt-get install -y ffmpeg)`);
  return false;
}

/** What ffprobe says of a video file's first stream. */
export interface Probe {
  codec: string;
  pixelFormat: string;
  width: number;
  height: number;
  /** Frames counted by decoding the stream. */
  frames: number;
  /** Seconds. */
  duration: number;
}

/** Probe a video file with ffprobe (frames counted by decoding, not read from the header). */
export function probe(file: string): Probe {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration',
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8' },
  );
  const json = JSON.parse(out) as {
    streams: Array<{ codec_name: string; pix_fmt: string; width: number; height: number; nb_read_frames: string }>;
    format: { duration: string };
  };
  const s = json.streams[0]!;
  return {
    codec: s.codec_name,
    pixelFormat: s.pix_fmt,
    width: s.width,
    height: s.height,
    frames: Number(s.nb_read_frames),
    duration: Number(json.format.duration),
  };
}
