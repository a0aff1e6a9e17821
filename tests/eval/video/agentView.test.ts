/**
 * The agent's view as video frames: one per view (reset + steps), the last held with the result;
 * frames ray-cast from the recorded poses equal the camera frames the agent saw; the HUD's lines.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { agentCameraOf, agentViewFrames, resultLines, stepLines, type VideoFrame } from '../../../src/eval/video/agentView.js';
import { recordEpisodes } from '../../../src/eval/video/recordEpisodes.js';
import { createImage, scaleNearestInto } from '../../../src/render/video/raster.js';
import type { Recording } from '../../../src/runs/Recording.js';

const ENV = 'PointNav-Easy-v0';
const RGB_OPTIONS = { sensors: ['rgb', 'pointgoal'], cameraSize: 24 };
let oracle: Recording;
let withFrames: Recording;

beforeAll(async () => {
  oracle = await recordEpisodes('oracle', { env: ENV, episodes: 1 });
  withFrames = await recordEpisodes('oracle', { env: ENV, envOptions: RGB_OPTIONS, episodes: 1 });
});

/** A copy of each frame as it comes (the generator reuses one image). */
function copies(frames: Iterable<VideoFrame>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const frame of frames) out.push(Uint8Array.from(frame.image.data));
  return out;
}

describe('agentCameraOf', () => {
  it("is the env's camera, with its options", () => {
    expect(agentCameraOf(ENV, { cameraSize: 40 })).toMatchObject({ width: 40, height: 40 });
    expect(() => agentCameraOf('NoSuchEnv-v0')).toThrow(/NoSuchEnv-v0/);
  });
});

describe('agentViewFrames', () => {
  it('gives the reset view and one frame per step, the last held endHold periods', () => {
    const episode = oracle.episodes[0]!;
    const options = { width: 64, height: 48, camera: agentCameraOf(ENV), endHold: 7 };
    const holds = [...agentViewFrames(episode, 1, 1, options)].map((f) => f.hold);
    expect(holds).toHaveLength(episode.steps + 1);
    expect(holds.slice(0, -1).every((h) => h === 1)).toBe(true);
    expect(holds.at(-1)).toBe(7);
  });

  it("ray-casts from the recorded poses exactly the frames the agent's camera saw", () => {
    const episode = withFrames.episodes[0]!;
    const camera = agentCameraOf(ENV, RGB_OPTIONS);
    const options = { width: 48, height: 48, camera };
    const recorded = copies(agentViewFrames(episode, 1, 1, options));
    const rendered = copies(agentViewFrames(episode, 1, 1, { ...options, useRecordedFrames: false }));
    expect(rendered).toHaveLength(episode.steps + 1);
    expect(rendered).toEqual(recorded);
    expect(recorded[1]).not.toEqual(recorded[episode.steps]);
    // Below the HUD (4 lines: 41 rows at scale 1), a frame is the observation scaled 2× by nearest neighbour.
    const expected = createImage(48, 48);
    const obs = episode.frame('rgb', 3)!;
    scaleNearestInto(obs.data as Uint8Array, obs.width, obs.height, expected);
    const bottom = (y: number, data: Uint8Array): Uint8Array => data.subarray(y * 48 * 4);
    expect(bottom(42, recorded[3]!)).toEqual(bottom(42, expected.data));
  });

  it('writes episode, step, action, reward and return on the HUD, and the result at the end', () => {
    const episode = oracle.episodes[0]!;
    const actions = oracle.header.actions;
    expect(stepLines(episode, 0, 2, 3, actions)).toEqual([`EP 2/3  STEP 0/${episode.steps}`]);
    const step = episode.step(1);
    expect(stepLines(episode, 1, 2, 3, actions)).toEqual([
      `EP 2/3  STEP 1/${episode.steps}`,
      `ACTION ${actions[step.action as number]}`,
      `REWARD ${step.reward >= 0 ? '+' : ''}${step.reward.toFixed(3)}`,
      `RETURN ${step.return >= 0 ? '+' : ''}${step.return.toFixed(3)}`,
    ]);
    const { metrics } = episode.end();
    expect(resultLines(episode)).toEqual(['SUCCESS YES', `SPL ${metrics.spl!.toFixed(3)}`]);
  });
});
