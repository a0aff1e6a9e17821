/**
 * The agent's view of recorded episodes as video frames: the egocentric camera image of every step
 * (the recorded RGB frames when the recording kept them, else ray-cast on the CPU from the recorded
 * poses with the task's camera), scaled up by nearest neighbour to the video size, with a HUD of
 * episode, step, action, reward and return; the last view of each episode is held with its
 * success and SPL.
 */
import { make } from '../../../envs/registry.js';
import { NavEnv } from '../../../envs/NavEnv.js';
import { Rng } from '../../core/Rng.js';
import { allocateFrame, Camera, type CameraConfig, type CameraFrame, DEFAULT_CAMERA } from '../../render/Camera.js';
import { RenderScene } from '../../render/RenderScene.js';
import { drawHud } from '../../render/video/hud.js';
import { createImage, type RgbaImage, scaleNearestInto } from '../../render/video/raster.js';
import type { RecordedEpisode } from '../../runs/Recording.js';

/** One video frame and how many frame periods it stays on screen. */
export interface VideoFrame {
  image: RgbaImage;
  hold: number;
}

/** How the agent's view is drawn. */
export interface AgentViewOptions {
  /** Video frame size (pixels). */
  width: number;
  height: number;
  /** The camera to ray-cast with when a recording has no RGB frames (rgb is switched on). */
  camera: CameraConfig;
  /** Seeds the camera's image noise, when its config has any. @default 0 */
  seed?: number;
  /** Discrete action names by index, for the HUD ([] shows the action's numbers). @default [] */
  actions?: readonly string[];
  /** Frame periods the last view of an episode stays on screen with its result. @default 10 */
  endHold?: number;
  /** Show the recording's RGB frames when it kept them; false ray-casts every view with `camera`. @default true */
  useRecordedFrames?: boolean;
}

/**
 * The camera of env `envId` made with `envOptions` (its resolution, field of view, mount height,
 * pitch, clipping, fog and noise), or the default camera for an env without one.
 * @throws UsageError for an unknown env id or options it rejects.
 */
export function agentCameraOf(envId: string, envOptions: Record<string, unknown> = {}): CameraConfig {
  const env = make(envId, envOptions);
  try {
    return env instanceof NavEnv ? { ...env.sensors.cameraConfig } : { ...DEFAULT_CAMERA };
  } finally {
    env.close();
  }
}

/**
 * The frames of `episode` as the agent saw them: the reset view, then one per step, the last one
 * held `endHold` periods with the episode's result. The same image buffer is reused from frame to
 * frame: an encoder must take each before asking for the next.
 * @param number the episode's position in the video (1-based) and `total` the episodes in it, for the HUD
 */
export function* agentViewFrames(
  episode: RecordedEpisode,
  number: number,
  total: number,
  options: AgentViewOptions,
): Generator<VideoFrame> {
  const image = createImage(options.width, options.height);
  const recorded = options.useRecordedFrames !== false && episode.frameKinds.includes('rgb');
  const view = recorded ? null : new EpisodeCamera(episode, options.camera, options.seed ?? 0);
  for (let i = 0; i <= episode.steps; i++) {
    if (view === null) {
      const frame = episode.frame('rgb', i)!;
      scaleNearestInto(frame.data as Uint8Array, frame.width, frame.height, image);
    } else scaleNearestInto(view.render(i), view.width, view.height, image);
    const last = i === episode.steps;
    drawHud(image, [...stepLines(episode, i, number, total, options.actions ?? []), ...(last ? resultLines(episode) : [])]);
    yield { image, hold: last ? Math.max(1, options.endHold ?? 10) : 1 };
  }
}

/** HUD lines of step i (0 = the reset view). */
export function stepLines(episode: RecordedEpisode, i: number, number: number, total: number, actions: readonly string[]): string[] {
  const lines = [`EP ${number}/${total}  STEP ${i}/${episode.steps}`];
  if (i === 0) return lines;
  const step = episode.step(i);
  const action =
    typeof step.action === 'number' ? (actions[step.action] ?? String(step.action)) : step.action.map((a) => a.toFixed(2)).join(' ');
  lines.push(`ACTION ${action}`, `REWARD ${signed(step.reward)}`, `RETURN ${signed(step.return)}`);
  return lines;
}

/** HUD lines of an episode's result: success and SPL where the task reports them. */
export function resultLines(episode: RecordedEpisode): string[] {
  const { metrics } = episode.end();
  const lines: string[] = [];
  if (metrics.success !== undefined) lines.push(`SUCCESS ${metrics.success >= 0.5 ? 'YES' : 'NO'}`);
  if (metrics.spl !== undefined) lines.push(`SPL ${metrics.spl.toFixed(3)}`);
  return lines;
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
}

/** Ray-casts an episode's views from its recorded poses (robot and dynamic bodies). */
class EpisodeCamera {
  private readonly scene: RenderScene;
  private readonly camera: Camera;
  private readonly frame: CameraFrame;
  private readonly rng: Rng;
  private readonly poses: Float64Array;

  constructor(
    private readonly episode: RecordedEpisode,
    config: CameraConfig,
    seed: number,
  ) {
    const spec = episode.scene().spec;
    this.scene = RenderScene.fromSpec(spec);
    this.camera = new Camera({ ...config, rgb: true, depth: false, semantic: false });
    this.frame = allocateFrame(this.camera.config);
    this.rng = new Rng(seed);
    this.poses = new Float64Array(spec.dynamic.length * 4);
  }

  get width(): number {
    return this.camera.config.width;
  }

  get height(): number {
    return this.camera.config.height;
  }

  /** The RGB view after step i (0 = the reset view). */
  render(i: number): Uint8Array {
    let pose = this.episode.scene().start;
    if (i > 0) {
      const step = this.episode.step(i);
      pose = step.pose;
      if (step.dynamic.length === this.poses.length) {
        this.poses.set(step.dynamic);
        this.scene.setDynamicPoses(this.poses);
      }
    }
    this.camera.render(this.scene, pose, this.frame, this.rng);
    return this.frame.rgb!;
  }
}
