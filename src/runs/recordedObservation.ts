/**
 * The observation a policy read at a recorded step, rebuilt from a `.rec` recording, so that a saved
 * policy can be explained on a replay. Frame t of a recording is the view after step t (0 = the
 * reset view): the observation the policy acted on to take step t + 1. Rebuilt per key:
 *
 * | key        | from                                                                  |
 * |------------|-----------------------------------------------------------------------|
 * | rgb, depth, semantic | the recorded camera frame of that kind (same size and dtype) |
 * | pointgoal  | the recorded pose and the episode's single goal point (`pointGoalReading`) |
 * | gps        | the recorded pose and the start pose (`gpsReading`)                   |
 * | compass    | the recorded yaw relative to the start yaw                            |
 * | collision  | whether step t touched something (0 at the reset view)                |
 *
 * Anything else (lidar, objectgoal, a camera kind that was not recorded) cannot be rebuilt, and
 * `recordedObservationProblem` says which key and why. The same rebuild serves a live env shown in
 * the viewer (`observationFromParts`: its streamed frames, poses, start and goals).
 */
import type { Observation } from '../core/Env.js';
import { Box, Dict, type Space } from '../core/spaces.js';
import { gpsReading, pointGoalReading } from '../../envs/SensorSuite.js';
import { wrapAngle } from '../sim/PhysicsWorld.js';
import { FRAME_KINDS, type Frame, type FrameKind, type PoseXZ } from '../stream/protocol.js';
import type { RecordedEpisode } from './Recording.js';

function leaves(space: Space): Array<[string, Space]> {
  return space instanceof Dict ? Object.entries(space.spaces as Record<string, Space>) : [['obs', space]];
}

/** What an observation is rebuilt from: the camera frames of the step, the pose after it, the episode's start and goals. */
export interface ObservationParts {
  /** The camera frame of `kind` at the step, or null when there is none. */
  frame(kind: FrameKind): Pick<Frame, 'width' | 'height' | 'channels' | 'dtype' | 'data'> | null;
  /** The robot's pose after the step (the start pose at the reset view). */
  pose: PoseXZ;
  /** The pose the episode started from. */
  start: PoseXZ;
  /** The episode's goal positions [x, z] (m). */
  goals: ReadonlyArray<readonly [number, number]>;
  /** Whether the step touched something (false at the reset view). */
  collided: boolean;
}

/** Why a policy's observations cannot be rebuilt from `parts`, or null when they can. */
export function observationProblem(space: Space, parts: ObservationParts): string | null {
  if (!(space instanceof Dict)) return 'the policy reads a single unnamed observation, not named sensors';
  for (const [key, sub] of leaves(space)) {
    if (!(sub instanceof Box)) return `observation "${key}" is not a Box`;
    if ((FRAME_KINDS as readonly string[]).includes(key)) {
      const frame = parts.frame(key as FrameKind);
      if (frame === null) return `there are no ${key} frames (the camera's ${key} channel is off)`;
      const [h, w, c] = sub.shape as [number, number, number];
      if (sub.shape.length !== 3 || frame.height !== h || frame.width !== w || frame.channels !== c || frame.dtype !== sub.dtype)
        return `the ${key} frames are ${frame.width}×${frame.height}×${frame.channels} ${frame.dtype}, the policy reads ${sub.shape.join('×')} ${sub.dtype}`;
      continue;
    }
    if (key === 'pointgoal') {
      if (parts.goals.length !== 1) return `"pointgoal" needs one goal point; the episode has ${parts.goals.length}`;
      continue;
    }
    if (key === 'gps' || key === 'compass' || key === 'collision') continue;
    return `"${key}" cannot be rebuilt from poses and camera frames`;
  }
  return null;
}

/** The observation the parts describe. Check `observationProblem` first. */
export function observationFromParts(space: Space, parts: ObservationParts): Observation {
  const { pose, start } = parts;
  const out: Record<string, Float32Array | Uint8Array> = {};
  for (const [key, sub] of leaves(space)) {
    const box = sub as Box;
    if ((FRAME_KINDS as readonly string[]).includes(key)) {
      out[key] = parts.frame(key as FrameKind)!.data;
    } else if (key === 'pointgoal') {
      const [gx, gz] = parts.goals[0]!;
      out[key] = new Float32Array(box.size);
      pointGoalReading(pose, [gx, gz], box.high[0]!, out[key] as Float32Array);
    } else if (key === 'gps') {
      out[key] = new Float32Array(2);
      gpsReading(pose, start, box.high[0]!, out[key] as Float32Array);
    } else if (key === 'compass') {
      out[key] = Float32Array.of(wrapAngle(pose.yaw - start.yaw));
    } else if (key === 'collision') {
      out[key] = Float32Array.of(parts.collided ? 1 : 0);
    } else {
      throw new RangeError(`observationFromParts: "${key}" cannot be rebuilt from poses and camera frames`);
    }
  }
  return out as Observation;
}

function recordedParts(episode: RecordedEpisode, step: number): ObservationParts {
  return {
    frame: (kind) => episode.frame(kind, step),
    pose: episode.pose(step),
    start: episode.start,
    goals: episode.goals,
    collided: step > 0 && episode.step(step).collided,
  };
}

/** Why a policy's observations cannot be rebuilt from a recorded episode, or null when they can. */
export function recordedObservationProblem(space: Space, episode: RecordedEpisode): string | null {
  for (const [key] of leaves(space)) {
    if ((FRAME_KINDS as readonly string[]).includes(key) && episode.frame(key as FrameKind, 0) === null)
      return `the recording has no ${key} frames (record them with robonav eval --record N --record-frames ${key})`;
  }
  return observationProblem(space, recordedParts(episode, 0));
}

/** The observation before step `step` + 1 (after step `step`; 0 = the reset view). Check `recordedObservationProblem` first. */
export function recordedObservation(space: Space, episode: RecordedEpisode, step: number): Observation {
  return observationFromParts(space, recordedParts(episode, step));
}
