/**
 * The three.js viewer filmed frame by frame: recorded episodes are served by a ViewerServer with a
 * ReplaySession on a loopback port, headless chromium opens the viewer in capture mode
 * (`?capture=follow|orbit`, viewer/src/capture.ts) at the video's size, and each step is shown
 * through the replay's own playback commands (pause, seek, step) and screenshotted once drawn.
 * The page draws a fixed number of animation frames per step, so the camera's motion does not
 * depend on the machine's speed.
 */
import { PNG } from 'pngjs';
import type { VideoFrame } from '../../eval/video/agentView.js';
import type { RecordedEpisode } from '../../runs/Recording.js';
import { ReplaySession } from '../ReplaySession.js';
import { ViewerServer } from '../ViewerServer.js';
import { launchChromium } from './browser.js';

/** The viewer's camera modes a video can use. */
export const VIEWER_CAMERAS = ['follow', 'orbit'] as const;
/** One of `VIEWER_CAMERAS`. */
export type ViewerCamera = (typeof VIEWER_CAMERAS)[number];

/** How the viewer is filmed. */
export interface ViewerFramesOptions {
  camera: ViewerCamera;
  /** Video frame size (pixels): the browser's viewport. */
  width: number;
  height: number;
  /** What is replayed, shown by the viewer. */
  source: string;
  /** Discrete action names by index, for the HUD. @default [] */
  actions?: string[];
  /** Frame periods the end of an episode stays on screen. @default 10 */
  endHold?: number;
  /** Directory of the built viewer. @default the ViewerServer's (dist/viewer) */
  staticDir?: string;
  /** Animation frames drawn per step (the follow camera closes 15 % of its gap to the robot per frame). @default 6 */
  framesPerStep?: number;
}

/** The page's capture API (viewer/src/capture.ts), as seen from here. */
interface CaptureWindow {
  robonavCapture?: {
    ready(): Promise<void>;
    start(episode: number): Promise<void>;
    step(step: number): Promise<void>;
    end(): Promise<void>;
    render(frames: number): void;
  };
}

/** Animation frames drawn at an episode's reset view, so that the follow camera settles behind the robot. */
const SETTLE_FRAMES = 60;
/** How long the page may take to load and to show a step (ms). */
const PAGE_TIMEOUT_MS = 60_000;

/**
 * The frames of `episodes` as the viewer shows them: the reset view, one per step, and the end
 * (with the HUD's success and SPL) held `endHold` periods. Each frame is a new image.
 */
export async function* viewerFrames(episodes: RecordedEpisode[], options: ViewerFramesOptions): AsyncGenerator<VideoFrame> {
  const session = new ReplaySession({ source: options.source, episodes, actions: options.actions ?? [] });
  let server: ViewerServer | null = null;
  const browser = await launchChromium().catch((err: unknown) => {
    session.close();
    throw err;
  });
  try {
    server = await ViewerServer.start(session, {
      port: 0,
      host: '127.0.0.1',
      ...(options.staticDir !== undefined ? { staticDir: options.staticDir } : {}),
    });
    const page = await browser.newPage({ viewport: { width: options.width, height: options.height }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    await page.goto(`${server.url}?capture=${options.camera}`);
    await page.waitForFunction(() => (window as unknown as CaptureWindow).robonavCapture !== undefined);
    await page.evaluate(() => (window as unknown as CaptureWindow).robonavCapture!.ready());
    const perStep = options.framesPerStep ?? 6;
    const shot = async (frames: number, hold = 1): Promise<VideoFrame> => {
      await page.evaluate((n) => (window as unknown as CaptureWindow).robonavCapture!.render(n), frames);
      const png = PNG.sync.read(await page.screenshot({ type: 'png' }));
      return {
        image: { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) },
        hold,
      };
    };
    for (const [e, episode] of episodes.entries()) {
      await page.evaluate((i) => (window as unknown as CaptureWindow).robonavCapture!.start(i), e);
      yield await shot(SETTLE_FRAMES);
      for (let s = 1; s <= episode.steps; s++) {
        await page.evaluate((i) => (window as unknown as CaptureWindow).robonavCapture!.step(i), s);
        yield await shot(perStep);
      }
      await page.evaluate(() => (window as unknown as CaptureWindow).robonavCapture!.end());
      yield await shot(perStep, Math.max(1, options.endHold ?? 10));
    }
  } finally {
    await browser.close();
    // Closing the server closes its session; without a server the session is closed here.
    if (server !== null) await server.close();
    else session.close();
  }
}
