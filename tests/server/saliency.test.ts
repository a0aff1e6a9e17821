/** Saliency maps in the viewer: offered only with a policy, computed only for clients that ask, hostile requests refused. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyInfo } from '../../agents/common/policyInfo.js';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { ActorCritic } from '../../src/nn/ActorCritic.js';
import { initBackend } from '../../src/nn/backend.js';
import { PolicySaliency } from '../../src/nn/saliency.js';
import { recordedObservation } from '../../src/runs/recordedObservation.js';
import { Recording, RecordingWriter } from '../../src/runs/Recording.js';
import { ReplaySession } from '../../src/server/ReplaySession.js';
import { pointGoalReading } from '../../envs/SensorSuite.js';
import { LiveViewer } from '../../src/server/LiveViewer.js';
import { LiveSaliency, ReplaySaliency, saliencyFrame, VIEWER_IG_STEPS } from '../../src/server/SaliencyMaps.js';
import { ViewerServer } from '../../src/server/ViewerServer.js';
import { streamerFor } from '../../src/stream/EpisodeStreamer.js';
import { decodeFrame, PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { FakeNavEnv, scriptedActions } from './fixtures.js';
import { TestClient } from './TestClient.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-saliency-view-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html>');
const servers: ViewerServer[] = [];
const nets: ActorCritic[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => {
  for (const net of nets) net.dispose();
  rmSync(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  await initBackend();
});

/** One recorded FakeNavEnv episode (26 steps) with depth frames. */
function recording(): Recording {
  const inner = new FakeNavEnv();
  const streamer = streamerFor(inner, { task: 'Fake-v0' });
  const writer = new RecordingWriter({ source: 'test', frames: ['depth'] });
  streamer.addSink(writer);
  const env = streamer.wrap(inner);
  env.reset();
  for (const a of scriptedActions()) env.step(a);
  return Recording.fromBytes(writer.toBytes());
}

/** A small policy over depth 8×8 and a point goal (what FakeNavEnv observes), or over RGB, which the recording lacks. */
function policy(camera: 'depth' | 'rgb', core: 'none' | 'gru' = 'none'): TrainedPolicy {
  const space = new Dict({
    [camera]: camera === 'depth' ? new Box(0, 10, [8, 8, 1]) : new Box(0, 255, [8, 8, 3], 'uint8'),
    pointgoal: new Box(-100, 100, [2]),
  });
  const action = new Discrete(4);
  const net = new ActorCritic(space, action, { core, coreSize: 8, fusionHidden: [16] }, new Rng(1));
  nets.push(net);
  const info: PolicyInfo = {
    version: 1,
    agent: 'ppo',
    observationSpace: space.toJSON(),
    actionSpace: action.toJSON(),
    inputs: [camera, 'pointgoal', ...(core === 'gru' ? ['state_h'] : [])],
    distribution: 'categorical',
    logStd: null,
    core: core === 'gru' ? { kind: 'gru', size: 8, numStates: 1 } : null,
    step: 0,
    meta: {},
  };
  return TrainedPolicy.fromModel('test-policy', net.toLayersModel(), info, { ownsModel: false });
}

async function start(saliency: Partial<ConstructorParameters<typeof ReplaySession>[0]>): Promise<TestClient> {
  const rec = recording();
  const session = new ReplaySession({ source: 'test.rec', episodes: rec.episodes, actions: rec.header.actions, ...saliency });
  const server = await ViewerServer.start(session, { port: 0, staticDir: dir });
  servers.push(server);
  return TestClient.open(`ws://127.0.0.1:${server.port}/ws`);
}

describe('saliency in the viewer', () => {
  it('offers maps with a policy, sends them only to a client that asks, one per shown step, and stops when asked', async () => {
    const rec = recording();
    const made = ReplaySaliency.create(policy('depth'), rec.episodes);
    expect(made).toBeInstanceOf(ReplaySaliency);
    const client = await start({ saliency: made as ReplaySaliency });
    expect((await client.next('hello')).saliency).toEqual(['gradcam', 'ig', 'perturbation']);
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['depth'] });
    await client.next('scene');
    client.send({ type: 'playback', command: 'pause' });
    await client.until(() => client.of('playbackState').some((m) => m.paused), 'the pause');
    const paused = client.of('playbackState').find((m) => m.paused)!.step;
    // Not asked: camera frames only.
    expect(client.frames.every((f) => f.kind === 'depth')).toBe(true);
    client.send({ type: 'saliency', enabled: true, method: 'ig' });
    await client.until(() => client.frames.some((f) => f.kind === 'saliency'), 'the map of the paused step');
    for (let i = 0; i < 3; i++) client.send({ type: 'playback', command: 'step' });
    await client.until(() => client.frames.filter((f) => f.kind === 'saliency').length === 4, 'a map per step');
    const maps = client.frames.filter((f) => f.kind === 'saliency');
    expect(maps.map((m) => m.step)).toEqual([paused, paused + 1, paused + 2, paused + 3]);
    for (const map of maps) expect([map.width, map.height, map.channels, map.dtype]).toEqual([8, 8, 1, 'uint8']);
    // Each map is the policy's map of the observation rebuilt from the recording at that step.
    const p = policy('depth');
    const direct = new PolicySaliency(p.model, p.info).integratedGradients(
      recordedObservation(p.observationSpace, rec.episodes[0]!, paused + 2) as Record<string, Float32Array>,
      [],
      { steps: VIEWER_IG_STEPS },
    );
    const expected = decodeFrame(saliencyFrame(direct, 0, paused + 2)!);
    expect(Array.from(maps[2]!.data)).toEqual(Array.from(expected.data));
    client.send({ type: 'saliency', enabled: false });
    await new Promise((r) => setTimeout(r, 100));
    client.send({ type: 'playback', command: 'step' });
    await client.until(() => client.frames.some((f) => f.kind === 'depth' && f.step === paused + 4), 'the next depth frame');
    expect(client.frames.filter((f) => f.kind === 'saliency')).toHaveLength(4);
    expect(client.of('error')).toEqual([]);
  });

  it('computes one map per playback tick at high speed: the map of the step the viewer ends up on', async () => {
    const made = ReplaySaliency.create(policy('depth'), recording().episodes) as ReplaySaliency;
    const client = await start({ saliency: made });
    await client.next('hello');
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['depth'] });
    await client.next('scene');
    client.send({ type: 'saliency', enabled: true, method: 'gradcam' });
    client.send({ type: 'playback', command: 'speed', speed: 64 });
    await client.until(() => client.of('episodeEnd').length === 1, 'the end of the episode', 10_000);
    await client.until(() => client.frames.at(-1)?.kind === 'saliency', 'the last map');
    const maps = client.frames.filter((f) => f.kind === 'saliency');
    const depth = client.frames.filter((f) => f.kind === 'depth');
    expect(depth).toHaveLength(27);
    expect(maps.length).toBeLessThan(depth.length);
    // Each map is of a step the viewer was sent, and the last one of the last step.
    const shown = new Set(depth.map((f) => f.step));
    for (const map of maps) expect(shown.has(map.step)).toBe(true);
    expect(maps.at(-1)!.step).toBe(26);
  });

  it('carries a recurrent policy through the episode: its map at a step uses the state of the steps before', () => {
    const rec = recording();
    const p = policy('depth', 'gru');
    const replay = ReplaySaliency.create(p, rec.episodes) as ReplaySaliency;
    const later = decodeFrame(replay.frame(0, 5, 'ig')!);
    const fresh = new PolicySaliency(p.model, p.info);
    const obs = recordedObservation(p.observationSpace, rec.episodes[0]!, 5) as Record<string, Float32Array>;
    p.reset();
    for (let t = 0; t < 5; t++) p.act(recordedObservation(p.observationSpace, rec.episodes[0]!, t));
    const carried = decodeFrame(saliencyFrame(fresh.integratedGradients(obs, p.recurrentState, { steps: VIEWER_IG_STEPS }), 0, 5)!);
    expect(Array.from(later.data)).toEqual(Array.from(carried.data));
    // Seeking back resets the state and gives the same map again (the cache aside: a different method recomputes).
    const before = tf.memory().numTensors;
    replay.frame(0, 1, 'gradcam');
    replay.frame(0, 5, 'gradcam');
    replay.frame(0, 1, 'perturbation');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says why there are no maps when the recording lacks what the policy reads', async () => {
    const made = ReplaySaliency.create(policy('rgb'), recording().episodes);
    expect(made).toEqual({
      problem: 'episode 0: the recording has no rgb frames (record them with robonav eval --record N --record-frames rgb)',
    });
    const client = await start({ saliencyNote: (made as { problem: string }).problem });
    const hello = await client.next('hello');
    expect(hello.saliency).toBeUndefined();
    expect(hello.saliencyNote).toMatch(/the recording has no rgb frames/);
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
    await client.next('scene');
    client.send({ type: 'saliency', enabled: true, method: 'gradcam' });
    expect((await client.next('error')).code).toBe('unsupported');
  });

  it('refuses malformed and hostile saliency messages like other bad messages', async () => {
    const made = ReplaySaliency.create(policy('depth'), recording().episodes) as ReplaySaliency;
    const client = await start({ saliency: made });
    await client.next('hello');
    client.send({ type: 'saliency', enabled: true, method: 'ig' });
    expect((await client.next('error')).code).toBe('not-subscribed');
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
    await client.next('scene');
    const bad: unknown[] = [
      { type: 'saliency', enabled: 'yes' },
      { type: 'saliency', enabled: true, method: 'lime' },
      { type: 'saliency', enabled: true, method: 'ig', steps: 1e9 },
      { type: 'saliency' },
      { type: 'saliency', enabled: true, method: { $gt: '' } },
    ];
    for (const message of bad) client.send(message);
    await client.until(() => client.of('error').length === 1 + bad.length, 'an error per bad message');
    expect(
      client
        .of('error')
        .slice(1)
        .map((e) => e.code),
    ).toEqual(bad.map(() => 'bad-message'));
    expect(client.frames.filter((f) => f.kind === 'saliency')).toEqual([]);
  });
});

describe('saliency in live training', () => {
  it('sends maps of the current weights with the frames of env 0 only to clients that ask, and computes none otherwise', async () => {
    const p = policy('depth');
    const spy = vi.spyOn(LiveSaliency.prototype, 'frame');
    const viewer = await LiveViewer.start({ port: 0, source: 'runs/test', task: 'Fake-v0', frameRate: 1000, saliencyRate: 1000 });
    try {
      const env = viewer.observe(new FakeNavEnv());
      viewer.explainWith(p.observationSpace, p.model, p.info);
      const watcher = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      const asker = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      expect((await watcher.next('hello')).saliency).toEqual(['gradcam', 'ig', 'perturbation']);
      await asker.next('hello');
      watcher.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      asker.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      await viewer.pump();
      env.reset();
      for (let t = 0; t < 3; t++) {
        env.step(3);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(spy).not.toHaveBeenCalled();
      asker.send({ type: 'saliency', enabled: true, method: 'gradcam' });
      await viewer.pump();
      await new Promise((r) => setTimeout(r, 20));
      const poses: Array<{ x: number; z: number; yaw: number }> = [];
      const depths: Float32Array[] = [];
      for (let t = 0; t < 3; t++) {
        const { obs } = env.step(1);
        poses.push({ ...(env as FakeNavEnv).world.pose });
        depths.push(obs.depth.slice());
        await new Promise((r) => setTimeout(r, 5));
      }
      await asker.until(() => asker.frames.filter((f) => f.kind === 'saliency').length === 3, 'a map per step');
      const maps = asker.frames.filter((f) => f.kind === 'saliency');
      expect(maps.map((m) => m.step)).toEqual([4, 5, 6]);
      // No camera channel was asked for: only maps reach the asker, nothing reaches the watcher.
      expect(asker.frames.every((f) => f.kind === 'saliency')).toBe(true);
      expect(watcher.frames).toEqual([]);
      // The last map is the policy's Grad-CAM of the observation at that step (depth, and the point goal from the pose).
      const pointgoal = new Float32Array(2);
      pointGoalReading(poses[2]!, [5, 5], 100, pointgoal);
      const direct = new PolicySaliency(p.model, p.info).gradCam({ depth: depths[2]!, pointgoal });
      expect(Array.from(maps[2]!.data)).toEqual(Array.from(decodeFrame(saliencyFrame(direct, 0, 6)!).data));
      // A viewer joining mid-episode gets maps from its next step on.
      const late = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      await late.next('hello');
      late.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      late.send({ type: 'saliency', enabled: true, method: 'ig' });
      await viewer.pump();
      await late.next('scene');
      await new Promise((r) => setTimeout(r, 20));
      for (let t = 0; t < 2; t++) {
        env.step(2);
        await new Promise((r) => setTimeout(r, 5));
      }
      await late.until(() => late.frames.filter((f) => f.kind === 'saliency').length === 2, "the late viewer's maps");
      expect(late.frames.map((f) => f.step)).toEqual([7, 8]);
    } finally {
      spy.mockRestore();
      await viewer.close();
    }
  });

  it('gives maps to a viewer that joins in the middle of an episode nobody was watching', async () => {
    const p = policy('depth');
    const viewer = await LiveViewer.start({ port: 0, frameRate: 1000, saliencyRate: 1000 });
    try {
      const env = viewer.observe(new FakeNavEnv());
      viewer.explainWith(p.observationSpace, p.model, p.info);
      env.reset();
      for (let t = 0; t < 4; t++) env.step(3);
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      await client.next('hello');
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      client.send({ type: 'saliency', enabled: true, method: 'gradcam' });
      await viewer.pump();
      expect((await client.next('scene')).trail).toHaveLength(10);
      await new Promise((r) => setTimeout(r, 20));
      env.step(1);
      await client.until(() => client.frames.some((f) => f.kind === 'saliency'), 'a map');
      expect(client.frames.map((f) => [f.kind, f.episode, f.step])).toEqual([['saliency', 0, 5]]);
    } finally {
      await viewer.close();
    }
  });

  it('sends at most saliencyRate maps per second, whatever the frame rate', async () => {
    const p = policy('depth');
    const viewer = await LiveViewer.start({ port: 0, frameRate: 1000, saliencyRate: 2 });
    try {
      const env = viewer.observe(new FakeNavEnv());
      viewer.explainWith(p.observationSpace, p.model, p.info);
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      await client.next('hello');
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['depth'] });
      client.send({ type: 'saliency', enabled: true, method: 'gradcam' });
      await viewer.pump();
      env.reset();
      const start = performance.now();
      for (let t = 0; t < 10; t++) {
        env.step(3);
        await new Promise((r) => setTimeout(r, 5));
      }
      const elapsed = performance.now() - start;
      await client.until(() => client.frames.filter((f) => f.kind === 'depth').length >= 10, 'the depth frames');
      // One map, then none until 500 ms have passed, however long the steps took.
      const maps = client.frames.filter((f) => f.kind === 'saliency').length;
      expect(maps).toBeGreaterThanOrEqual(1);
      expect(maps).toBeLessThanOrEqual(1 + Math.floor(elapsed / 500));
    } finally {
      await viewer.close();
    }
  });

  it('offers no maps for a recurrent network, and says why', async () => {
    const p = policy('depth', 'gru');
    const viewer = await LiveViewer.start({ port: 0 });
    try {
      viewer.observe(new FakeNavEnv());
      viewer.explainWith(p.observationSpace, p.model, p.info);
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      const hello = await client.next('hello');
      expect(hello.saliency).toBeUndefined();
      expect(hello.saliencyNote).toMatch(/recurrent policy is explained on replays/);
    } finally {
      await viewer.close();
    }
  });
});
