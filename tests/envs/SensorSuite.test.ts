import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { Box } from '../../src/core/spaces.js';
import { RenderScene } from '../../src/render/RenderScene.js';
import { navOptionsSchema, parseOptions } from '../../envs/NavOptions.js';
import { GOAL_VIEW_CELLS, goalViewReading, SensorSuite } from '../../envs/SensorSuite.js';
import { squareRoom } from '../render/fixtures.js';

function suite(options: Record<string, unknown>, extraSpaces?: Record<string, Box>): SensorSuite {
  return new SensorSuite('Test-v0', parseOptions('Test-v0', navOptionsSchema, { maxEpisodeSteps: 10, ...options }), extraSpaces);
}

/** A world as the sensors read it: the robot's pose and no dynamic bodies. */
function world(x: number, z: number, yaw: number) {
  return { pose: { x, z, yaw }, dynamicPoses: new Float32Array(0) };
}

describe('SensorSuite', () => {
  it('builds the observation Dict in SENSORS order whatever order the options list them in', () => {
    const s = suite({ sensors: ['lidar', 'compass', 'rgb', 'pointgoal', 'depth'], cameraSize: [32, 24], lidar: { beams: 16 } });
    expect(Object.keys(s.observationSpace.spaces)).toEqual(['rgb', 'depth', 'pointgoal', 'compass', 'lidar']);
    expect((s.observationSpace.spaces.rgb as Box).shape).toEqual([24, 32, 3]);
    expect((s.observationSpace.spaces.depth as Box).shape).toEqual([24, 32, 1]);
    expect((s.observationSpace.spaces.lidar as Box).shape).toEqual([16]);
    expect(s.obs.rgb).toBeInstanceOf(Uint8Array);
    expect(s.obs.rgb).toHaveLength(24 * 32 * 3);
    expect([s.castsRays, s.readsPointGoal]).toEqual([true, true]);
    const blind = suite({ sensors: ['gps'] });
    expect([blind.castsRays, blind.readsPointGoal]).toEqual([false, false]);
    expect(blind.cameraConfig.width).toBe(64);
  });

  it('takes objectgoal from the task, and refuses it without one', () => {
    const onehot = new Box(0, 1, [3]);
    expect(suite({ sensors: ['objectgoal'] }, { objectgoal: onehot }).observationSpace.spaces.objectgoal).toBe(onehot);
    expect(() => suite({ sensors: ['objectgoal'] })).toThrow(/Test-v0: sensor "objectgoal" needs an ObjectNav task/);
  });

  it('gives goalview only to an object-goal task with a camera of at least 8×8 px, and renders the semantic frame for it', () => {
    const onehot = { objectgoal: new Box(0, 1, [3]) };
    const s = suite({ sensors: ['goalview'] }, onehot);
    expect((s.observationSpace.spaces.goalview as Box).shape).toEqual([GOAL_VIEW_CELLS, GOAL_VIEW_CELLS, 1]);
    expect([s.castsRays, s.cameraConfig.semantic]).toEqual([true, true]);
    expect(Object.keys(s.observationSpace.spaces)).toEqual(['goalview']);
    expect(() => suite({ sensors: ['goalview'] })).toThrow(/Test-v0: sensor "goalview" needs an ObjectNav task/);
    expect(() => suite({ sensors: ['goalview'], cameraSize: [16, 6] }, onehot)).toThrow(/at least 8×8 px, got 16×6/);
  });

  it('reads goalview as the fraction of each grid cell showing the goal category', () => {
    // 16 × 10 px: cells are 2 px wide; rows split 2,1,1,2,1,1,1,1 (⌈i·10/8⌉ boundaries: 0 2 3 4 5 7 8 9 10).
    const width = 16;
    const height = 10;
    const semantic = new Uint8Array(width * height);
    semantic[0] = 5; // row 0, column 0: cell (0, 0), 1 of its 2 × 2 px
    semantic[1 * width + 1] = 5; // row 1, column 1: cell (0, 0) again
    semantic[2 * width + 15] = 5; // row 2, column 15: cell (1, 7), 1 × 2 px
    semantic[9 * width + 8] = 7; // another category
    for (let c = 0; c < width; c++) semantic[9 * width + c] = c < 8 ? 5 : 7; // the last row, left half: cells (7, 0 … 3)
    const out = new Float32Array(GOAL_VIEW_CELLS * GOAL_VIEW_CELLS);
    goalViewReading(semantic, width, height, 5, out);
    const expected = new Float32Array(64);
    expected[0] = 2 / 4;
    expected[1 * 8 + 7] = 1 / 2;
    for (let j = 0; j < 4; j++) expected[7 * 8 + j] = 1;
    expect(Array.from(out)).toEqual(Array.from(expected));
    goalViewReading(semantic, width, height, -1, out);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('reads the goal and odometry from poses', () => {
    const s = suite({ sensors: ['pointgoal', 'gps', 'compass', 'collision'], range: 3 });
    // Started at the origin facing −z (yaw π/2: forward (0, −1), left (−1, 0)); now at (1, −2) facing +x.
    const start = { position: [0, 0] as [number, number], yaw: Math.PI / 2 };
    s.observe(null, world(1, -2, 0), start, [1, -4], true, new Rng(0));
    // The goal 2 m along −z is on the left of a robot facing +x: bearing +π/2.
    expect(s.obs.pointgoal![0]).toBeCloseTo(2, 6);
    expect(s.obs.pointgoal![1]).toBeCloseTo(Math.PI / 2, 6);
    // 2 m forward and 1 m to the right of the start.
    expect(s.obs.gps![0]).toBeCloseTo(2, 6);
    expect(s.obs.gps![1]).toBeCloseTo(-1, 6);
    // Turned right by a quarter turn.
    expect(s.obs.compass![0]).toBeCloseTo(-Math.PI / 2, 6);
    expect(s.obs.collision![0]).toBe(1);
    // Distances beyond `range` (3 m) read as the range.
    s.observe(null, world(1, -2, 0), start, [1, 6], false, new Rng(0));
    expect(s.obs.pointgoal![0]).toBe(3);
    expect(s.obs.collision![0]).toBe(0);
  });

  it("reads the point goal as distance, cos and sin of the bearing with pointgoalFormat 'cosSin', without the jump behind the robot", () => {
    const polar = suite({ sensors: ['pointgoal'] });
    const cosSin = suite({ sensors: ['pointgoal'], pointgoalFormat: 'cosSin' });
    expect((polar.observationSpace.spaces.pointgoal as Box).shape).toEqual([2]);
    const box = cosSin.observationSpace.spaces.pointgoal as Box;
    expect([box.shape, Array.from(box.low), Array.from(box.high)]).toEqual([[3], [0, -1, -1], [20, 1, 1]]);
    const start = { position: [0, 0] as [number, number], yaw: 0 };
    // Facing +x with the goal 2 m along −z: on the left, bearing +π/2.
    cosSin.observe(null, world(0, 0, 0), start, [0, -2], false, new Rng(0));
    expect(Array.from(cosSin.obs.pointgoal!).map((v) => Number(v.toFixed(6)))).toEqual([2, 0, 1]);
    // The goal just behind the robot, a hair to either side: the polar bearing jumps by almost 2π,
    // the cosine and sine barely move.
    const readings = [0.01, -0.01].map((yaw) => {
      polar.observe(null, world(0, 0, yaw), start, [-3, 0], false, new Rng(0));
      cosSin.observe(null, world(0, 0, yaw), start, [-3, 0], false, new Rng(0));
      return { bearing: polar.obs.pointgoal![1]!, cos: cosSin.obs.pointgoal![1]!, sin: cosSin.obs.pointgoal![2]! };
    });
    expect(Math.abs(readings[0]!.bearing - readings[1]!.bearing)).toBeGreaterThan(6);
    expect(readings[0]!.cos).toBeCloseTo(-1, 3);
    expect(Math.abs(readings[0]!.sin - readings[1]!.sin)).toBeLessThan(0.03);
    expect(Math.abs(readings[0]!.cos - readings[1]!.cos)).toBeLessThan(1e-3);
  });

  it('renders the camera into the observation buffers and refuses a camera that sees nothing', () => {
    const scene = RenderScene.fromSpec(squareRoom(3));
    const start = { position: [0, 0] as [number, number], yaw: 0 };
    const s = suite({ sensors: ['depth'], cameraSize: 8, camera: { hfov: Math.PI / 3 } });
    s.observe(scene, world(0, 0, 0), start, null, false, new Rng(0));
    // Level rays in the middle rows reach the wall x = 3 ahead.
    expect(s.obs.depth![3 * 8 + 4]).toBeCloseTo(3, 4);
    expect(() => s.checkCameraSeesSomething('Test-v0', scene, { x: 0, z: 0, yaw: 0 })).not.toThrow();
    // Mounted 50 m up with the far plane at 10 m, every pixel reads 10 m in every direction.
    const high = suite({ sensors: ['depth'], cameraSize: 8, camera: { mountHeight: 50 } });
    high.observe(scene, world(0, 0, 0), start, null, false, new Rng(0));
    expect(() => high.checkCameraSeesSomething('Test-v0', scene, { x: 0, z: 0, yaw: 0 })).toThrow(
      /Test-v0: every camera pixel reads depth 10 m at episode start, in all four directions/,
    );
  });
});
