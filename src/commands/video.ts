/**
 * `robonav video FILE.rec|runs/NAME --out episode.mp4|episode.gif [--view agent|follow|orbit]
 * [--episodes N] [--env ID] [--env-options JSON] [--split test] [--seed S] [--deterministic] [--fps N] [--size WxH] [--json]`:
 * episodes as a video file, with a HUD.
 *
 * - The source is a recording (`.rec`, from `robonav eval --record` or `train --record`), or a run
 *   (or checkpoint, or policy folder) whose policy first runs N fixed episodes of the split, as
 *   `robonav eval` would (episode i reset with seed + i).
 * - `--view agent` shows the agent's egocentric camera: the recorded RGB frames, or frames ray-cast
 *   on the CPU from the recorded poses with the env's camera, scaled up by nearest neighbour.
 *   `--view follow|orbit` films the three.js viewer in headless chromium with its camera in that
 *   mode (Debian's chromium; see `src/server/capture/`).
 * - The extension of --out chooses the format: GIF (gifenc, a palette per frame) or MP4 (H.264
 *   through Debian's ffmpeg, yuv420p, so an even --size). The file appears only when complete.
 *
 * Everything that can be wrong with the flags and the source is checked before any frame is made:
 * a bad flag, a missing or corrupt recording, a run without a policy, a missing ffmpeg or chromium
 * is one line on standard error, exit code 2, nothing written.
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Split, SPLITS } from '../../envs/episodes.js';
import { FileFormatError, UsageError } from '../core/errors.js';
import { agentCameraOf, agentViewFrames, type VideoFrame } from '../eval/video/agentView.js';
import { recordEpisodes } from '../eval/video/recordEpisodes.js';
import { FFMPEG_INSTALL, findFfmpeg } from '../render/video/Mp4Encoder.js';
import { VideoFile, type VideoFileSummary, videoFormatOf } from '../render/video/VideoFile.js';
import type { CameraConfig } from '../render/Camera.js';
import { type RecordedEpisode, Recording } from '../runs/Recording.js';
import { CHROMIUM_INSTALL, chromiumInstalled, chromiumPath } from '../server/capture/browser.js';
import { viewerFrames } from '../server/capture/viewerFrames.js';
import { hasRunFile, readRunFile } from '../runs/runFile.js';
import { checkEnvOptions, choiceOption, envOptionsOption, integerOption, printJsonLine } from './options.js';

/** The views a video can show. */
export const VIDEO_VIEWS = ['agent', 'follow', 'orbit'] as const;
type VideoView = (typeof VIDEO_VIEWS)[number];

/** Smallest and largest side of a video frame (pixels). */
const MIN_SIDE = 16;
const MAX_SIDE = 2048;
/** Highest --fps (GIF delays are whole centiseconds; players drop frames beyond this anyway). */
const MAX_FPS = 60;

interface VideoFlags {
  out: string;
  view: VideoView;
  episodes?: number;
  env?: string;
  envOptions?: Record<string, unknown>;
  split: Split;
  seed: number;
  deterministic?: boolean;
  fps: number;
  size: { width: number; height: number };
  json?: boolean;
}

/** `--size WxH`: two integers in [MIN_SIDE, MAX_SIDE]. */
function sizeOption(value: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(value.trim());
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (m === null || !(width >= MIN_SIDE && width <= MAX_SIDE && height >= MIN_SIDE && height <= MAX_SIDE))
    throw new InvalidArgumentError(
      `expected WIDTHxHEIGHT with each side in [${MIN_SIDE}, ${MAX_SIDE}] pixels, e.g. 256x256, got "${value}"`,
    );
  return { width, height };
}

function fpsOption(value: string): number {
  const fps = integerOption(1)(value);
  if (fps > MAX_FPS) throw new InvalidArgumentError(`expected an integer in [1, ${MAX_FPS}], got "${value}"`);
  return fps;
}

export function register(program: Command): void {
  program
    .command('video')
    .description("Render episodes to a GIF or MP4: the agent's camera, or the 3D viewer following or orbiting the robot, with a HUD.")
    .argument('<source>', 'a replay file (.rec), or a run / checkpoint / policy directory whose policy is recorded first')
    .requiredOption('--out <file>', 'the video file: .gif (gifenc) or .mp4 (H.264 through ffmpeg)')
    .option('--view <view>', `what the video shows: ${VIDEO_VIEWS.join(' | ')}`, choiceOption(VIDEO_VIEWS), 'agent')
    .option('--episodes <n>', 'episodes in the video (default: all of a .rec, 1 for a run)', integerOption(1))
    .option('--env <id>', "env id: of the episodes a run records (default: the run's own), of the camera for a .rec (default: its task)")
    .option(
      '--env-options <json>',
      "JSON object of env options for the episodes and the camera (default: the run's own, from its run.json)",
      envOptionsOption,
    )
    .option('--split <split>', `episode split a run is recorded on: ${SPLITS.join(' | ')}`, choiceOption(SPLITS), 'test')
    .option('--seed <n>', 'seed of the policy, the env noise and the camera noise (episode i is reset with seed + i)', integerOption(0), 0)
    .option('--deterministic', 'a run takes the most likely action instead of sampling one')
    .option('--fps <n>', `frames (env steps) per second, 1..${MAX_FPS}`, fpsOption, 10)
    .addOption(
      new Option('--size <WxH>', `video frame size in pixels, each side ${MIN_SIDE}..${MAX_SIDE} (even for .mp4)`)
        .argParser(sizeOption)
        .default({ width: 256, height: 256 }, '256x256'),
    )
    .option('--json', 'print one JSON line: {"out","format","view","episodes","frames","bytes","seconds","msPerFrame"}')
    .action(async (source: string, flags: VideoFlags) => {
      const summary = await writeVideo(source, flags);
      if (flags.json) printJsonLine(summary);
      else
        process.stdout.write(
          `wrote ${summary.out} (${summary.format}, ${summary.view} view, ${plural(summary.episodes, 'episode')}, ${plural(summary.frames, 'frame')}, ${summary.bytes} bytes)\n`,
        );
    });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What `robonav video` wrote, and how long it took. */
interface VideoSummary {
  out: string;
  format: 'gif' | 'mp4';
  view: VideoView;
  episodes: number;
  frames: number;
  bytes: number;
  /** Wall-clock seconds from the first frame to the file in place (recording a run's episodes excluded). */
  seconds: number;
  msPerFrame: number;
}

async function writeVideo(source: string, flags: VideoFlags): Promise<VideoSummary> {
  const format = videoFormatOf(flags.out);
  if (format === null) throw new UsageError(`--out ${flags.out}: expected a file ending in .gif or .mp4`);
  if (statSync(flags.out, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--out ${flags.out}: is a directory`);
  const { width, height } = flags.size;
  if (format === 'mp4') {
    if (width % 2 !== 0 || height % 2 !== 0)
      throw new UsageError(`--size ${width}x${height}: an MP4 (H.264, yuv420p) needs an even width and height`);
    if (findFfmpeg() === null) throw new UsageError(`--out ${flags.out}: MP4 needs ffmpeg, which is not installed (${FFMPEG_INSTALL})`);
  }
  if (flags.view !== 'agent' && !chromiumInstalled())
    throw new UsageError(`--view ${flags.view}: filming the viewer needs chromium, and ${chromiumPath()} is missing (${CHROMIUM_INSTALL})`);

  const { recording, envId, envOptions } = await loadEpisodes(source, flags);
  const episodes = recording.episodes.slice(0, flags.episodes ?? recording.episodes.length);
  if (episodes.length === 0) throw new UsageError(`${source}: holds no episodes`);
  const frames =
    flags.view === 'agent'
      ? agentFrames(episodes, recording.header.actions, agentCameraOf(agentEnv(source, envId), envOptions), flags)
      : viewerFrames(episodes, {
          camera: flags.view,
          width,
          height,
          source: basename(source),
          actions: recording.header.actions,
          endHold: flags.fps,
        });

  mkdirSync(dirname(flags.out), { recursive: true });
  const started = performance.now();
  const video = VideoFile.open(flags.out, { width, height, fps: flags.fps });
  // Interrupted (Ctrl-C, kill): stop the encoder and remove its temporary file before exiting.
  const interrupted = (signal: NodeJS.Signals): void => {
    void video.abort().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let written: VideoFileSummary;
  try {
    for await (const frame of frames) await video.addFrame(frame.image, frame.hold);
    written = await video.close();
  } catch (err) {
    await video.abort();
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    out: flags.out,
    format,
    view: flags.view,
    episodes: episodes.length,
    frames: written.frames,
    bytes: written.bytes,
    seconds,
    msPerFrame: (1000 * seconds) / Math.max(1, written.frames),
  };
}

/** The agent's view of every episode, one after the other, each end held a second. */
function* agentFrames(episodes: RecordedEpisode[], actions: string[], camera: CameraConfig, flags: VideoFlags): Generator<VideoFrame> {
  const { width, height } = flags.size;
  for (const [e, episode] of episodes.entries())
    yield* agentViewFrames(episode, e + 1, episodes.length, { width, height, camera, seed: flags.seed, actions, endHold: flags.fps });
}

/** The env whose camera the agent view ray-casts with. */
function agentEnv(source: string, envId: string | undefined): string {
  if (envId === undefined)
    throw new UsageError(`${source}: the recording does not name its env, whose camera the agent view needs; pass --env`);
  return envId;
}

/** The episodes to film and the env their camera comes from: a .rec read, or a run's policy recorded. */
async function loadEpisodes(
  source: string,
  flags: VideoFlags,
): Promise<{ recording: Recording; envId: string | undefined; envOptions: Record<string, unknown> }> {
  const stat = statSync(source, { throwIfNoEntry: false });
  if (stat === undefined) throw new UsageError(`${source}: no such recording (.rec) or run directory`);
  try {
    if (stat.isFile()) {
      if (!source.endsWith('.rec')) throw new UsageError(`${source}: expected a .rec recording or a run directory`);
      const recording = Recording.read(source);
      const envId = flags.env ?? recording.header.task;
      if (flags.envOptions !== undefined && envId !== undefined) checkEnvOptions(envId, flags.envOptions);
      return { recording, envId, envOptions: flags.envOptions ?? {} };
    }
    const run = hasRunFile(source) ? readRunFile(source) : null;
    const envId = flags.env ?? run?.env;
    if (envId === undefined) throw new UsageError(`${source}: not a run directory (no run.json) and no --env given`);
    // A run's policy sees the observations it was trained on, unless --env-options or another --env says otherwise.
    const envOptions = flags.envOptions ?? (flags.env === undefined || flags.env === run?.env ? (run?.envOptions ?? {}) : {});
    if (flags.envOptions !== undefined) checkEnvOptions(envId, envOptions);
    const recording = await recordEpisodes(source, {
      env: envId,
      envOptions,
      split: flags.split,
      episodes: flags.episodes ?? 1,
      seed: flags.seed,
      deterministic: flags.deterministic === true,
    });
    return { recording, envId, envOptions };
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(err.message);
    throw err;
  }
}
