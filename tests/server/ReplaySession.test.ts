import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { streamerFor } from '../../src/stream/EpisodeStreamer.js';
import { MetricsLogTail } from '../../src/runs/MetricsLog.js';
import { PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { Recording, RecordingWriter } from '../../src/runs/Recording.js';
import { ReplaySession } from '../../src/server/ReplaySession.js';
import { ViewerServer } from '../../src/server/ViewerServer.js';
import { FakeNavEnv, scriptedActions } from './fixtures.js';
import { TestClient } from './TestClient.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-replay-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html>');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: ViewerServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Two recorded episodes: 26 scripted steps, then 4 steps ending in STOP; RGB frames. */
function recording(): Recording {
  const inner = new FakeNavEnv();
  const streamer = streamerFor(inner, { task: 'Fake-v0' });
  const writer = new RecordingWriter({ source: 'test', actions: ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'], frames: ['rgb'] });
  streamer.addSink(writer);
  const env = streamer.wrap(inner);
  env.reset();
  for (const a of scriptedActions()) env.step(a);
  env.reset();
  for (const a of [2, 1, 1, 0]) env.step(a);
  return Recording.fromBytes(writer.toBytes());
}

async function start(metrics?: MetricsLogTail, log?: (line: string) => void): Promise<{ client: TestClient; session: ReplaySession }> {
  const rec = recording();
  const session = new ReplaySession({
    source: 'test.rec',
    episodes: rec.episodes,
    actions: rec.header.actions,
    ...(metrics ? { metrics } : {}),
    ...(log ? { log } : {}),
  });
  const server = await ViewerServer.start(session, { port: 0, staticDir: dir });
  servers.push(server);
  const client = await TestClient.open(`ws://127.0.0.1:${server.port}/ws`);
  return { client, session };
}

describe('ReplaySession', () => {
  it('plays every recorded step in order, with frames, and stops paused at the end', async () => {
    const { client } = await start();
    expect(await client.next('hello')).toMatchObject({
      mode: 'replay',
      source: 'test.rec',
      episodes: 2,
      streams: ['episodes', 'frames'],
      frameKinds: ['rgb'],
    });
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['rgb'] });
    expect((await client.next('scene')).episode).toBe(0);
    client.send({ type: 'playback', command: 'speed', speed: 64 });
    await client.until(() => client.of('playbackState').some((s) => s.paused && s.episode === 1), 'the end of the last episode', 10_000);
    const steps = client.of('step');
    expect(steps.map((s) => `${s.episode}:${s.step}`)).toEqual([
      ...Array.from({ length: 26 }, (_, i) => `0:${i + 1}`),
      ...Array.from({ length: 4 }, (_, i) => `1:${i + 1}`),
    ]);
    expect(client.of('episodeEnd').map((e) => [e.episode, e.steps])).toEqual([
      [0, 26],
      [1, 4],
    ]);
    expect(client.of('scene').map((s) => s.episode)).toEqual([0, 1]);
    // One RGB frame per step plus the start view of each episode; frame i shows step i.
    expect(client.frames).toHaveLength(27 + 5);
    expect(client.frames.slice(0, 27).map((f) => f.data[0])).toEqual([...Array(27).keys()]);
  });

  it('pauses, steps, seeks, and refuses impossible seeks and play-mode controls', async () => {
    const { client } = await start();
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
    await client.next('scene');
    client.send({ type: 'playback', command: 'seek', episode: 0, step: 10 });
    const seeked = await client.next('scene', 1);
    // The trail: the start and the first 10 positions.
    expect(seeked.trail).toHaveLength(22);
    client.send({ type: 'playback', command: 'pause' });
    await client.until(() => client.of('playbackState').some((s) => s.paused), 'paused state');
    const stepsWhenPaused = client.of('step').length;
    client.send({ type: 'playback', command: 'step' });
    await client.until(() => client.of('step').length === stepsWhenPaused + 1, 'one more step');
    expect(client.of('step').at(-1)!.step).toBeGreaterThanOrEqual(11);
    const state = client.of('playbackState').at(-1)!;
    expect(state).toMatchObject({ paused: true, episode: 0, episodes: 2, steps: 26 });

    client.send({ type: 'playback', command: 'seek', episode: 5, step: 0 });
    expect((await client.next('error')).message).toMatch(/episode 5 does not exist \(2 recorded\)/);
    client.send({ type: 'playback', command: 'seek', episode: 1, step: 99 });
    expect((await client.next('error', 1)).message).toMatch(/episode 1 has 4 steps, not 99/);
    client.send({ type: 'control', action: 1 });
    expect((await client.next('error', 2)).code).toBe('unsupported');

    client.send({ type: 'playback', command: 'seek', episode: 1, step: 4 });
    await client.until(() => client.of('scene').some((s) => s.episode === 1), 'episode 1');
    expect(client.of('step').at(-1)).toMatchObject({ episode: 1, step: 4, action: 0 });
  });

  it('follows a run metrics log as it grows', async () => {
    const log = join(dir, 'metrics.jsonl');
    writeFileSync(log, '{"step":100,"meanReturn":0.5,"note":"x"}\n{"step":200,"meanReturn":0.75}\n{"step":3');
    const { client } = await start(new MetricsLogTail(log));
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
    expect((await client.next('metrics')).points).toEqual([
      { step: 100, values: { meanReturn: 0.5 } },
      { step: 200, values: { meanReturn: 0.75 } },
    ]);
    appendFileSync(log, '00,"meanReturn":1}\n');
    expect((await client.next('metrics', 1)).points).toEqual([{ step: 300, values: { meanReturn: 1 } }]);
  });

  it('follows a metrics log of 300,000 lines', async () => {
    const log = join(dir, 'long.jsonl');
    const lines = 300_000;
    writeFileSync(log, Array.from({ length: lines }, (_, i) => `{"step":${i},"r":${i % 7}}\n`).join(''));
    const { client } = await start(new MetricsLogTail(log));
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
    const received = (): number => client.of('metrics').reduce((n, m) => n + m.points.length, 0);
    await client.until(() => received() === lines, 'every line as a point', 20_000);
    expect(client.of('metrics').at(-1)!.points.at(-1)).toEqual({ step: lines - 1, values: { r: (lines - 1) % 7 } });
  });

  it('keeps serving when the metrics log becomes unreadable, says so once, and reads the log that replaces it from its start', async () => {
    const log = join(dir, 'racing.jsonl');
    writeFileSync(log, '{"step":1,"a":1}\n{"step":2,"a":2}\n');
    const said: string[] = [];
    const { client } = await start(new MetricsLogTail(log), (line) => said.push(line));
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
    expect((await client.next('metrics')).points.map((p) => p.step)).toEqual([1, 2]);

    // A directory where the log was: every poll fails until a file is back.
    rmSync(log);
    mkdirSync(log);
    await client.until(() => said.length > 0, 'the failure to be reported');
    await new Promise((r) => setTimeout(r, 2500));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^robonav: cannot read ${log} \\(.*\\); curves resume when it is readable$`));
    client.send({ type: 'playback', command: 'seek', episode: 1, step: 2 });
    expect((await client.next('scene', 1)).episode).toBe(1);

    // Another file renamed into place, longer than the old one: read from its start, not from the old offset.
    rmSync(log, { recursive: true });
    const next = join(dir, 'racing.next');
    writeFileSync(next, [10, 11, 12, 13].map((s) => `{"step":${s},"a":${s}}\n`).join(''));
    renameSync(next, log);
    expect((await client.next('metrics', 1)).points.map((p) => p.step)).toEqual([10, 11, 12, 13]);
    expect(said).toHaveLength(1);
  });

  it('coalesces the seeks of a client that stops reading: its buffer stays bounded, and it gets its last position when it reads again', async () => {
    // One long episode with 64×64 RGB frames: a seek near its end is a scene with a long trail and a 12 KiB frame.
    const inner = new FakeNavEnv({ size: 64, maxSteps: 1_000_000 });
    const streamer = streamerFor(inner, { task: 'Fake-v0' });
    const writer = new RecordingWriter({ source: 'test', frames: ['rgb'] });
    streamer.addSink(writer);
    const env = streamer.wrap(inner);
    env.reset();
    const steps = 1000;
    for (let i = 0; i < steps - 1; i++) env.step(i % 9 === 0 ? 2 : 1);
    env.step(0);
    const [episode] = Recording.fromBytes(writer.toBytes()).episodes;
    const session = new ReplaySession({ source: 'long.rec', episodes: [episode!] });
    const highWaterMark = 64 * 1024;
    const server = await ViewerServer.start(session, { port: 0, staticDir: dir, highWaterMark, messageRate: 1e6, messageBurst: 1e6 });
    servers.push(server);
    const client = await TestClient.open(`ws://127.0.0.1:${server.port}/ws`);
    client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['rgb'] });
    client.send({ type: 'playback', command: 'pause' });
    await client.until(() => client.of('playbackState').some((s) => s.paused), 'paused');
    const [serverSide] = (server as unknown as { clientSet: Set<{ bufferedAmount: number; state: { step: number } }> }).clientSet;

    // Stop reading and seek 400 times: ≈ 50 KiB each, far more than the kernel's socket buffers hold.
    (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const seeks = 400;
    const target = (i: number): number => (i === seeks - 1 ? steps : 500 + (i % 400));
    for (let i = 0; i < seeks; i++) client.send({ type: 'playback', command: 'seek', episode: 0, step: target(i) });
    let maxBuffered = 0;
    while (serverSide!.state.step !== steps) {
      maxBuffered = Math.max(maxBuffered, serverSide!.bufferedAmount);
      await new Promise((r) => setTimeout(r, 5));
    }
    maxBuffered = Math.max(maxBuffered, serverSide!.bufferedAmount);
    const showBytes = JSON.stringify(episode!.scene(steps)).length + 64 * 64 * 3 + 4096;
    expect(maxBuffered).toBeLessThan(highWaterMark + 2 * showBytes);

    (client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await client.until(() => client.of('playbackState').at(-1)?.step === steps, 'the last position', 10_000);
    const last = client.of('scene').at(-1)!;
    expect(last.trail).toHaveLength(2 * (steps + 1));
    expect(client.of('step').at(-1)!.step).toBe(steps);
    expect(client.of('scene').length).toBeLessThan(seeks / 2);
  });
});
