import { describe, expect, it } from 'vitest';
import { Box, Discrete } from '../../src/core/spaces.js';
import type { Env } from '../../src/core/Env.js';
import { WorkerVectorEnv } from '../../envs/vector/WorkerVectorEnv.js';
import { relayedEnv } from '../../src/stream/relayWorker.js';
import { attachViewer, LiveViewer } from '../../src/server/LiveViewer.js';
import { PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { FakeNavEnv } from './fixtures.js';
import { TestClient } from './TestClient.js';

describe('LiveViewer', () => {
  it('streams the observed env and the curves published before and after it was observed', async () => {
    const viewer = await LiveViewer.start({ port: 0, source: 'runs/test', task: 'Fake-v0' });
    try {
      viewer.publishMetrics([{ step: 100, values: { episodeReturn: 1, bad: NaN } }]);
      const env = viewer.observe(new FakeNavEnv());
      viewer.publishMetrics([{ step: 200, values: { episodeReturn: 2 } }]);
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      expect(await client.next('hello')).toMatchObject({ mode: 'live', source: 'runs/test', frameKinds: ['rgb', 'depth'] });
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      expect((await client.next('metrics')).points).toEqual([
        { step: 100, values: { episodeReturn: 1 } },
        { step: 200, values: { episodeReturn: 2 } },
      ]);
      env.reset();
      env.step(1);
      expect(await client.next('scene')).toMatchObject({ task: 'Fake-v0', start: { x: 1, z: 1 } });
      expect((await client.next('step')).step).toBe(1);
    } finally {
      await viewer.close();
    }
  });

  it('takes 300,000 curve points in one call, before and after an env is observed, and keeps the newest 10,000', async () => {
    const viewer = await LiveViewer.start({ port: 0 });
    try {
      const points = (from: number) => Array.from({ length: 300_000 }, (_, i) => ({ step: from + i, values: { r: 1 } }));
      viewer.publishMetrics(points(0));
      viewer.observe(new FakeNavEnv());
      viewer.publishMetrics(points(300_000));
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      const history = (await client.next('metrics')).points;
      expect(history).toHaveLength(10_000);
      expect(history.at(-1)!.step).toBe(599_999);
    } finally {
      await viewer.close();
    }
  });

  it('gives a viewer that connected before the env was observed the hello of the env it will see', async () => {
    const viewer = await LiveViewer.start({ port: 0, source: 'runs/test' });
    try {
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      expect(await client.next('hello')).toMatchObject({ frameKinds: [], actions: [] });
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      await viewer.pump();
      viewer.observe(new FakeNavEnv());
      expect(await client.next('hello', 1)).toMatchObject({
        mode: 'live',
        source: 'runs/test',
        frameKinds: ['rgb', 'depth'],
        actions: ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'],
      });
    } finally {
      await viewer.close();
    }
  });

  it('pump() lets a viewer connect and subscribe between the updates of a loop that never yields', async () => {
    const { env, viewer } = await attachViewer(new FakeNavEnv({ maxSteps: 1_000_000 }), { port: 0 });
    try {
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      // "Update boundary": the subscribe is still in flight; pump waits for it.
      await viewer.pump();
      // "Rollout": a synchronous loop; steps still leave the process as they are made.
      env.reset();
      for (let i = 0; i < 200; i++) env.step(1 + (i % 3));
      await client.until(() => client.of('step').length === 200, 'the 200 steps of the rollout');
    } finally {
      await viewer.close();
    }
  });

  it('streams env 0 from its worker thread: a viewer joining mid-episode gets the scene and trail, then the steps and frames', async () => {
    const viewer = await LiveViewer.start({ port: 0, source: 'runs/test' });
    const workers = await WorkerVectorEnv.create('PointNav-Easy-v0', {
      numEnvs: 2,
      numWorkers: 2,
      options: { cameraSize: 16 },
      wrapper: relayedEnv(0),
    });
    const venv = viewer.observeWorkers(workers);
    try {
      await venv.reset({ seed: 1 });
      // Turning in place: the episode runs on and nobody watches yet.
      for (let i = 0; i < 5; i++) await venv.step(Int32Array.of(2, 2));
      const client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      expect(await client.next('hello')).toMatchObject({
        mode: 'live',
        frameKinds: ['depth'],
        actions: ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'],
      });
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['depth'] });
      await viewer.pump();
      for (let i = 0; i < 5; i++) await venv.step(Int32Array.of(2, 2));
      const scene = await client.next('scene');
      expect(scene).toMatchObject({ episode: 0, task: 'PointNav-Easy-v0' });
      // The start and the five steps taken before the viewer came.
      expect(scene.trail).toHaveLength(2 * 6);
      await client.until(() => client.of('step').length === 5, 'the five watched steps');
      expect(client.of('step').map((m) => m.step)).toEqual([6, 7, 8, 9, 10]);
      await client.until(() => client.frames.length > 0, 'a depth frame');
      expect(client.frames[0]).toMatchObject({ kind: 'depth', width: 16, height: 16, episode: 0, step: 6 });
    } finally {
      await venv.close();
      await viewer.close();
    }
  });

  it('takes an access token: its url carries it, and clients without it are refused', async () => {
    const token = 'k'.repeat(40);
    const { viewer } = await attachViewer(new FakeNavEnv(), { port: 0, token });
    try {
      expect(viewer.url).toBe(`http://127.0.0.1:${viewer.port}/?token=${token}`);
      const ws = `ws://127.0.0.1:${viewer.port}/ws`;
      await expect(TestClient.open(ws)).rejects.toThrow(/handshake refused: 401/);
      const client = await TestClient.open(`${ws}?token=${token}`);
      expect((await client.next('hello')).mode).toBe('live');
    } finally {
      await viewer.close();
    }
  });

  it('refuses an env it cannot draw, and closes its server', async () => {
    const plain = {
      observationSpace: new Box(0, 1, [1]),
      actionSpace: new Discrete(2),
      reset: () => ({ obs: 0, info: {} }),
      step: () => ({}),
      close: () => {},
    } as unknown as Env;
    await expect(attachViewer(plain, { port: 0, task: 'CartPole-v1' })).rejects.toThrow(/CartPole-v1 cannot be viewed/);
  });
});
