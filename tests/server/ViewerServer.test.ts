import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamerFor } from '../../src/stream/EpisodeStreamer.js';
import { LiveSession } from '../../src/server/LiveSession.js';
import { FRAME_HEADER_BYTES, MAX_CLIENT_MESSAGE_BYTES, PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { ViewerServer } from '../../src/server/ViewerServer.js';
import { FakeNavEnv, scriptedActions } from './fixtures.js';
import { TestClient } from './TestClient.js';

const root = mkdtempSync(join(tmpdir(), 'robonav-server-'));
const staticDir = join(root, 'viewer');
const SECRET = 'top secret, outside the viewer directory';
beforeAll(() => {
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>robonav</title>');
  writeFileSync(join(staticDir, 'viewer.js'), 'console.log("viewer");');
  writeFileSync(join(staticDir, 'assets', 'a.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), SECRET);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Live {
  server: ViewerServer;
  env: ReturnType<ReturnType<typeof streamerFor>['wrap']>;
  url: string;
}
const started: ViewerServer[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
});

async function startLive(options: { size?: number; frameRate?: number; highWaterMark?: number } = {}): Promise<Live> {
  const inner = new FakeNavEnv({ size: options.size ?? 8, maxSteps: 1_000_000 });
  const streamer = streamerFor(inner, { task: 'Fake-v0' });
  const session = new LiveSession(streamer, { mode: 'live', source: 'test-run', frameRate: options.frameRate ?? 1e6 });
  const server = await ViewerServer.start(session, {
    port: 0,
    staticDir,
    ...(options.highWaterMark ? { highWaterMark: options.highWaterMark } : {}),
  });
  started.push(server);
  return { server, env: streamer.wrap(inner), url: `ws://127.0.0.1:${server.port}/ws` };
}

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  host = '127.0.0.1',
): Promise<{ status: number; body: string; type: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: String(res.headers['content-type']), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function subscribed(url: string, frames: string[] = []): Promise<TestClient> {
  const c = await TestClient.open(url);
  await c.next('hello');
  c.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames });
  return c;
}

describe('ViewerServer HTTP', () => {
  it('serves the viewer files and nothing else: traversal in any spelling is a 404', async () => {
    const { server } = await startLive();
    const index = await get(server.port, '/');
    expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(index.body).toContain('<title>robonav</title>');
    expect((await get(server.port, '/viewer.js?v=2')).status).toBe(200);
    expect((await get(server.port, '/assets/a.css')).type).toBe('text/css; charset=utf-8');
    const hostile = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/%252e%252e/secret.txt',
      '//secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/index.html/../../secret.txt',
      '/viewer.js%00.html',
      '/secret.txt',
      '/nope.html',
      `/${'a'.repeat(5000)}`,
    ];
    for (const path of hostile) {
      const r = await get(server.port, path);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain(SECRET);
    }
    expect((await get(server.port, '/', {}, 'POST')).status).toBe(405);
    expect((await get(server.port, '/', {}, 'HEAD')).status).toBe(200);
  });

  it('binds 127.0.0.1 by default and refuses foreign Host headers (DNS rebinding)', async () => {
    const { server } = await startLive();
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect((await get(server.port, '/', { host: `localhost:${server.port}` })).status).toBe(200);
    expect((await get(server.port, '/', { host: 'evil.example' })).status).toBe(403);
    // Not reachable on the machine's other addresses.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) {
      const reached = await new Promise<boolean>((resolve) => {
        const req = request({ host: external.address, port: server.port, path: '/', timeout: 2000 }, () => resolve(true));
        req.on('error', () => resolve(false));
        req.on('timeout', () => {
          req.destroy();
          resolve(false);
        });
        req.end();
      });
      expect(reached).toBe(false);
    }
  });
});

/** A live session's server on `host` with `options`, stopped after the test. */
async function startOn(host: string, options: { token?: string } = {}): Promise<ViewerServer> {
  const session = new LiveSession(streamerFor(new FakeNavEnv()), { mode: 'live', source: 'guarded' });
  const server = await ViewerServer.start(session, { port: 0, host, staticDir, ...options });
  started.push(server);
  return server;
}

describe('ViewerServer access', () => {
  it('bound beyond loopback, needs its random token on every request and WebSocket, in the URL, a cookie or a Bearer header', async () => {
    const server = await startOn('0.0.0.0');
    const token = server.accessToken!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${token}`);
    const port = server.port;

    const missing = await get(port, '/');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="robonav"');
    expect(missing.body).not.toContain(token);
    expect((await get(port, `/?token=${'x'.repeat(32)}`)).status).toBe(403);
    expect((await get(port, '/viewer.js', { cookie: `robonav-token-${port}=${'x'.repeat(32)}` })).status).toBe(403);
    expect((await get(port, '/pages.json', { authorization: 'Bearer nope' })).status).toBe(403);

    // The printed address: the page, and a cookie for the page's own requests.
    const page = await get(port, `/?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toEqual([`robonav-token-${port}=${token}; Path=/; HttpOnly; SameSite=Strict`]);
    expect((await get(port, '/viewer.js', { cookie: `other=1; robonav-token-${port}=${token}` })).status).toBe(200);
    expect((await get(port, '/pages.json', { authorization: `Bearer ${token}` })).status).toBe(200);
    // A right query token wins over a cookie left by an earlier server on this port.
    expect((await get(port, `/?token=${token}`, { cookie: `robonav-token-${port}=${'y'.repeat(32)}` })).status).toBe(200);

    const ws = `ws://127.0.0.1:${port}/ws`;
    await expect(TestClient.open(ws)).rejects.toThrow(/handshake refused: 401/);
    await expect(TestClient.open(`${ws}?token=${'x'.repeat(32)}`)).rejects.toThrow(/handshake refused: 403/);
    await expect(TestClient.open(ws, { authorization: 'Bearer nope' })).rejects.toThrow(/handshake refused: 403/);
    // A page of another site, even one that learnt the token, cannot open the socket.
    await expect(TestClient.open(`${ws}?token=${token}`, { origin: 'http://evil.example' })).rejects.toThrow(/handshake refused: 403/);
    for (const [url, headers] of [
      [`${ws}?token=${token}`, { origin: `http://127.0.0.1:${port}` }],
      [ws, { authorization: `Bearer ${token}` }],
      [ws, { cookie: `robonav-token-${port}=${token}` }],
    ] as const) {
      const client = await TestClient.open(url, headers);
      expect((await client.next('hello')).source).toBe('guarded');
      client.close();
    }
  });

  it('takes a token of its own, checked, and then asks for it on loopback too', async () => {
    await expect(startOn('0.0.0.0', { token: 'x'.repeat(31) })).rejects.toThrow(/^--token: expected at least 32 characters, got 31/);
    await expect(startOn('0.0.0.0', { token: `${'x'.repeat(40)} y` })).rejects.toThrow(/^--token: only the characters/);
    const token = 'a-b.c_d~'.repeat(4);
    const server = await startOn('127.0.0.1', { token });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${token}`);
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, `/?token=${token}`)).status).toBe(200);
  });

  it('serves every loopback address without a token, and refuses requests that name another host (DNS rebinding)', async () => {
    const server = await startOn('127.0.0.2');
    expect(server.exposed).toBe(false);
    expect(server.url).toBe(`http://127.0.0.2:${server.port}/`);
    const port = server.port;
    for (const host of [`127.0.0.2:${port}`, `localhost:${port}`, `127.9.9.9:${port}`]) {
      expect((await get(port, '/', { host }, 'GET', '127.0.0.2')).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, `127.0.0.2.evil.example:${port}`, `localhost.evil.example:${port}`, `10.0.0.1:${port}`]) {
      expect((await get(port, '/', { host }, 'GET', '127.0.0.2')).status, host).toBe(403);
    }
    const ws = `ws://127.0.0.2:${port}/ws`;
    expect((await (await TestClient.open(ws, { origin: `http://127.0.0.2:${port}` })).next('hello')).source).toBe('guarded');
    await expect(TestClient.open(ws, { host: `evil.example:${port}` })).rejects.toThrow(/handshake refused: 403/);
    // A page of the rebinding site, or of another server on this machine.
    await expect(TestClient.open(ws, { origin: `http://evil.example:${port}` })).rejects.toThrow(/handshake refused: 403/);
    await expect(TestClient.open(ws, { origin: `http://127.0.0.2:${port + 1}` })).rejects.toThrow(/handshake refused: 403/);
    await expect(TestClient.open(ws, { origin: 'null' })).rejects.toThrow(/handshake refused: 403/);
  });

  it('forbids framing and Referer on every response', async () => {
    const server = await startOn('127.0.0.1');
    for (const path of ['/', '/viewer.js', '/missing']) {
      const { headers } = await get(server.port, path);
      expect(headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
      expect(headers['x-frame-options'], path).toBe('DENY');
      expect(headers['referrer-policy'], path).toBe('no-referrer');
    }
  });
});

describe('ViewerServer WebSocket', () => {
  it('greets, subscribes and streams the live episode with camera frames', async () => {
    const { env, url } = await startLive();
    const c = await TestClient.open(url);
    expect(await c.next('hello')).toEqual({
      type: 'hello',
      version: PROTOCOL_VERSION,
      mode: 'live',
      source: 'test-run',
      streams: ['episodes', 'frames', 'metrics'],
      frameKinds: ['rgb', 'depth'],
      actions: ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'],
    });
    c.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['depth'] });
    await new Promise((r) => setTimeout(r, 50));
    env.reset();
    for (const a of scriptedActions()) env.step(a);
    const end = await c.next('episodeEnd');
    expect(end).toMatchObject({ episode: 0, steps: 26, terminated: true });
    expect(c.of('scene')).toHaveLength(1);
    expect(c.of('step').map((s) => s.step)).toEqual([...Array(26).keys()].map((i) => i + 1));
    await c.until(() => c.frames.length === 27, '27 depth frames');
    expect(c.frames.every((f) => f.kind === 'depth' && f.width === 8)).toBe(true);
    expect(c.frames[10]!.data[0]).toBeCloseTo(1.0, 6);
  });

  it('batches the steps of a fast loop into a few socket messages, in order', async () => {
    const { env, url } = await startLive();
    const c = await subscribed(url);
    await new Promise((r) => setTimeout(r, 50));
    env.reset();
    // A synchronous loop: no timer can run, so the session flushes from inside the steps. Capped at
    // 2,000 steps (≈ 0.6 MB of messages): more would pass the 1 MiB slow-client limit on a fast
    // machine, and the server would rightly drop steps.
    const t0 = performance.now();
    let steps = 0;
    while (performance.now() - t0 < 150 && steps < 2000) env.step(1 + (steps++ % 3));
    await c.until(() => c.of('step').length === steps, 'every step');
    expect(c.of('step').map((s) => s.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    // At most one batch per 50 ms (plus the tail sent by the timer), however many steps there were.
    expect(steps).toBeGreaterThan(100);
    expect(c.batches).toBeLessThanOrEqual(Math.ceil(150 / 50) + 2);
  });

  it('answers hostile messages with errors; the sender and other clients carry on', async () => {
    const { env, url } = await startLive();
    const bystander = await subscribed(url);
    const c = await subscribed(url);
    const cases: Array<[string | Buffer, string]> = [
      ['{not json', 'bad-json'],
      ['[]', 'bad-json'],
      ['{"type":"launch"}', 'bad-message'],
      ['{"type":"subscribe","version":1,"frames":"rgb"}', 'bad-message'],
      ['{"type":"control","action":9}', 'bad-message'],
      ['{"type":"control","action":1}', 'unsupported'], // live training: nobody drives
      ['{"type":"playback","command":"pause"}', 'unsupported'],
      [Buffer.from([1, 2, 3]), 'binary-not-accepted'],
    ];
    for (const [i, [message, code]] of cases.entries()) {
      c.ws.send(message);
      const error = await c.next('error', i);
      expect(error.code, String(message)).toBe(code);
    }
    const fresh = await TestClient.open(url);
    fresh.send({ type: 'playback', command: 'step' });
    expect((await fresh.next('error')).code).toBe('not-subscribed');
    expect(c.open && fresh.open && bystander.open).toBe(true);
    env.reset();
    env.step(1);
    await bystander.next('step');
    await c.next('step');
  });

  it('closes a connection that sends more than 64 KiB with 1009; others are unaffected', async () => {
    const { env, url } = await startLive();
    const bystander = await subscribed(url);
    const c = await subscribed(url);
    c.send(JSON.stringify({ type: 'subscribe', version: 1, pad: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES) }));
    expect((await c.closed).code).toBe(1009);
    // Just under the cap is read and validated (and refused for its unknown field).
    const d = await subscribed(url);
    d.send(JSON.stringify({ type: 'subscribe', version: 1, pad: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES - 100) }));
    expect((await d.next('error')).code).toBe('bad-message');
    env.reset();
    env.step(1);
    expect((await bystander.next('step')).step).toBe(1);
  });

  it('closes flooders and repeat offenders with 1008 (policy), and keeps serving', async () => {
    const { env, url, server } = await startLive();
    const bystander = await subscribed(url);
    const flooder = await subscribed(url);
    for (let i = 0; i < 400; i++) flooder.send({ type: 'subscribe', version: 1 });
    expect(await flooder.closed).toEqual({ code: 1008, reason: 'rate limit' });
    expect(flooder.of('error').some((e) => e.code === 'rate-limit')).toBe(true);

    const offender = await subscribed(url);
    for (let i = 0; i < 30; i++) offender.send('garbage');
    expect(await offender.closed).toEqual({ code: 1008, reason: 'too many invalid messages' });

    const old = await TestClient.open(url);
    old.send({ type: 'subscribe', version: PROTOCOL_VERSION + 1 });
    expect((await old.next('error')).code).toBe('version');
    expect((await old.closed).code).toBe(1008);

    await expect(TestClient.open(url, { origin: 'http://evil.example' })).rejects.toThrow(/handshake refused: 403/);

    env.reset();
    env.step(1);
    expect((await bystander.next('step')).step).toBe(1);
    const late = await subscribed(url);
    expect((await late.next('scene')).trail).toHaveLength(4);
    expect(server.clientCount).toBe(2);
  });

  it('forgives a long-lived client its occasional bad message, and still closes one that keeps sending them', async () => {
    const inner = new FakeNavEnv();
    const session = new LiveSession(streamerFor(inner), { mode: 'live', source: 'lenient' });
    // Three mistakes in a row at most, one forgiven every 50 ms.
    const server = await ViewerServer.start(session, { port: 0, staticDir, maxInvalidMessages: 3, invalidMessageRate: 20 });
    started.push(server);
    const c = await subscribed(`ws://127.0.0.1:${server.port}/ws`);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) c.send('garbage');
      await c.until(() => c.of('error').length === 3 * (round + 1), `the errors of round ${round}`);
      // Long enough for the allowance to refill completely.
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(c.open).toBe(true);
    for (let i = 0; i < 50; i++) c.send('garbage');
    expect(await c.closed).toEqual({ code: 1008, reason: 'too many invalid messages' });
  });

  it('refuses connections beyond maxClients with 503, and takes new ones when a slot frees', async () => {
    const inner = new FakeNavEnv();
    const session = new LiveSession(streamerFor(inner), { mode: 'live', source: 'cap' });
    const server = await ViewerServer.start(session, { port: 0, staticDir, maxClients: 2 });
    started.push(server);
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const a = await TestClient.open(url);
    await TestClient.open(url);
    await expect(TestClient.open(url)).rejects.toThrow(/handshake refused: 503/);
    a.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect((await (await TestClient.open(url)).next('hello')).source).toBe('cap');
  });

  it('drops a client that stops answering pings (a vanished peer), keeps the ones that answer', async () => {
    const inner = new FakeNavEnv();
    const session = new LiveSession(streamerFor(inner), { mode: 'live', source: 'hb' });
    const server = await ViewerServer.start(session, { port: 0, staticDir, heartbeatMs: 100 });
    started.push(server);
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const healthy = await TestClient.open(url);
    const gone = await TestClient.open(url);
    await healthy.next('hello');
    await gone.next('hello');
    // A peer that stopped reading never sees the ping, so never answers it.
    (gone.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await healthy.until(() => server.clientCount === 1, 'the silent client to be dropped', 3000);
    expect(healthy.open).toBe(true);
  });

  it('drops frames for a client that never reads: its buffer stays bounded, then it is resynced', async () => {
    const highWaterMark = 128 * 1024;
    // 64×64 RGB + depth ≈ 28 KiB of frames per step.
    const { env, url, server } = await startLive({ size: 64, highWaterMark });
    const reader = await subscribed(url);
    const stalled = await subscribed(url, ['rgb', 'depth']);
    await reader.next('hello');
    await new Promise((r) => setTimeout(r, 50));
    const [serverSide] = [
      ...(server as unknown as { clientSet: Set<{ id: number; bufferedAmount: number; dropped: number; frames: readonly string[] }> })
        .clientSet,
    ].filter((c) => c.frames.length === 2);
    // Stop reading: the kernel buffers fill, then the server's queue for this socket.
    (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const frameBytes = 64 * 64 * 3 + 64 * 64 * 4 + 2 * FRAME_HEADER_BYTES;
    const steps = 1500; // ≈ 42 MiB offered to the stalled client
    let maxBuffered = 0;
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    env.reset();
    for (let i = 0; i < steps; i++) {
      env.step(i % 7 === 0 ? 2 : 1);
      maxBuffered = Math.max(maxBuffered, serverSide!.bufferedAmount);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(steps * frameBytes).toBeGreaterThan(300 * highWaterMark);
    // Bounded by the high-water mark plus what one step adds (a step message and two frames).
    expect(maxBuffered).toBeLessThan(highWaterMark + 2 * frameBytes);
    expect(serverSide!.dropped).toBeGreaterThan(steps);
    const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    expect(heapAfter - heapBefore).toBeLessThan(100 * 1024 * 1024);
    // The reading client (steps only, no frames) kept up and got every step.
    await reader.until(() => reader.of('step').length === steps, 'every step at the reading client');
    // Once the stalled client reads again, the next step resyncs it with the scene and its trail.
    (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await new Promise((r) => setTimeout(r, 300));
    env.step(1);
    await stalled.until(() => stalled.of('scene').some((s) => (s.trail?.length ?? 0) > 2 * steps), 'a resync scene with the full trail');
  });
});

describe('ViewerServer start', () => {
  it('names the port when it is taken, and says when the viewer is not built', async () => {
    const first = await ViewerServer.start(new LiveSession(streamerFor(new FakeNavEnv()), { mode: 'live', source: 'a' }), {
      port: 0,
      staticDir,
    });
    started.push(first);
    const session = new LiveSession(streamerFor(new FakeNavEnv()), { mode: 'live', source: 'b' });
    await expect(ViewerServer.start(session, { port: first.port, staticDir })).rejects.toThrow(
      `--port ${first.port}: already in use on 127.0.0.1`,
    );
    await expect(ViewerServer.start(session, { port: 0, staticDir: join(root, 'missing') })).rejects.toThrow(
      /the viewer is not built .* run npm run build/,
    );
  });
});
