import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Env, Observation } from '../../src/core/Env.js';
import { streamerFor } from '../../src/stream/EpisodeStreamer.js';
import { PlaySession } from '../../src/server/PlaySession.js';
import { PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { ViewerServer } from '../../src/server/ViewerServer.js';
import { FakeNavEnv } from './fixtures.js';
import { TestClient } from './TestClient.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-play-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html>');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PlaySession', () => {
  it('steps the env once per control, shows every viewer the same robot, and starts a new episode after the end', async () => {
    const inner = new FakeNavEnv();
    const streamer = streamerFor(inner, { task: 'Fake-v0' });
    const session = new PlaySession(streamer, streamer.wrap(inner) as Env<Observation, number>, 'Fake-v0', 3);
    const server = await ViewerServer.start(session, { port: 0, staticDir: dir });
    try {
      const url = `ws://127.0.0.1:${server.port}/ws`;
      const driver = await TestClient.open(url);
      const watcher = await TestClient.open(url);
      expect((await driver.next('hello')).mode).toBe('play');
      for (const c of [driver, watcher]) c.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      // The episode started before anyone connected: each subscriber gets its scene at once.
      expect((await driver.next('scene')).episode).toBe(0);
      await watcher.next('scene');

      driver.send({ type: 'control', action: 1 });
      const step = await watcher.next('step');
      expect(step).toMatchObject({ episode: 0, step: 1, action: 1, pose: { x: 1.25, z: 1, yaw: 0 } });
      expect(inner.world.pose.x).toBe(1.25);

      driver.send({ type: 'control', action: 0 }); // STOP ends the episode
      expect(await watcher.next('episodeEnd')).toMatchObject({ episode: 0, steps: 2, terminated: true });
      driver.send({ type: 'control', action: 1 }); // any key after the end: a new episode, not a step
      expect((await watcher.next('scene', 1)).episode).toBe(1);
      expect(inner.world.pose.x).toBe(1);
      driver.send({ type: 'control', action: 'reset' });
      expect((await watcher.next('scene', 2)).episode).toBe(2);
      expect(watcher.of('step')).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
