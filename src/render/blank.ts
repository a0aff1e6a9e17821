/**
 * Guard against blank cameras: a frame whose every enabled output holds one value everywhere
 * (camera inside a wall or above the ceiling, near/far clipping everything away, a scene with
 * nothing in view) would train a policy on nothing, silently.
 */
import { UsageError } from '../core/errors.js';
import type { CameraFrame } from './Camera.js';

/** True when every non-null output of `frame` is uniform (one value, or one colour, at every pixel). */
export function isBlankFrame(frame: CameraFrame): boolean {
  let outputs = 0;
  if (frame.depth) {
    outputs++;
    if (!uniform(frame.depth, 1)) return false;
  }
  if (frame.rgb) {
    outputs++;
    if (!uniform(frame.rgb, 3)) return false;
  }
  if (frame.semantic) {
    outputs++;
    if (!uniform(frame.semantic, 1)) return false;
  }
  return outputs > 0;
}

/**
 * Throw a UsageError naming `what` (e.g. the env id) and the uniform value when `frame` is blank.
 * Call it on the first frame of an episode; a wall filling the whole view is legitimate, so a
 * caller that can turn the robot should look in more than one direction before giving up.
 */
export function assertNotBlank(frame: CameraFrame, what = 'camera'): void {
  if (!isBlankFrame(frame)) return;
  throw new UsageError(
    `${what}: every camera pixel reads ${blankValue(frame)}: the camera sees nothing; check its mountHeight, pitch, near/far and the scene`,
  );
}

/** The value a blank frame holds everywhere, for messages: "depth 10 m", "rgb (r, g, b)" or "semantic k". */
export function blankValue(frame: CameraFrame): string {
  if (frame.depth) return `depth ${frame.depth[0]} m`;
  if (frame.rgb) return `rgb (${frame.rgb[0]}, ${frame.rgb[1]}, ${frame.rgb[2]})`;
  return `semantic ${frame.semantic![0]}`;
}

/** Every `stride`-sized group of `data` equals the first one. */
function uniform(data: ArrayLike<number>, stride: number): boolean {
  for (let i = stride; i < data.length; i += stride) {
    for (let k = 0; k < stride; k++) if (data[i + k] !== data[k]) return false;
  }
  return true;
}
