/** `robonav view` as a user runs it (the compiled CLI from dist/, built by the global setup). */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { streamerFor } from '../../src/stream/EpisodeStreamer.js';
import { RecordingWriter } from '../../src/runs/Recording.js';
import { runCli, serveCli } from '../helpers/cli.js';
import { FakeNavEnv, scriptedActions } from '../server/fixtures.js';
import { TestClient } from '../server/TestClient.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-view-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordInto(path: string, episodes: number): void {
  const inner = new FakeNavEnv();
  const streamer = streamerFor(inner);
  const writer = new RecordingWriter({ source: 'cli' });
  streamer.addSink(writer);
  const env = streamer.wrap(inner);
  for (let e = 0; e < episodes; e++) {
    env.reset();
    for (const a of scriptedActions()) env.step(a);
  }
  writer.save(path);
}

/** Interrupt a serving child and wait until it is gone. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

describe('robonav view', () => {
  it('rejects bad arguments with exit code 2 and a line naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['view', join(dir, 'missing.rec')], /missing\.rec: no such file or run directory/],
      [['view', dir, '--port', '70000'], /--port: expected an integer in \[0, 65535\]/],
      [['view', dir], /no recordings \(\*\.rec\) and no metrics\.jsonl/],
      [['view'], /no runs under runs\/: give a run directory or a \.rec file/],
      [['view', dir, '--load-limit', '0'], /--load-limit.*expected a number/],
      [['view', dir, '--token', 'too-short'], /^robonav: --token: expected at least 32 characters, got 9/],
      [['play', '--token', 'not a token at all, it has spaces'], /^robonav: --token: only the characters/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(args, {}, dir)));
    for (const [k, [args, pattern]] of cases.entries()) {
      const r = runs[k]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe('');
    }
    const corrupt = join(dir, 'corrupt.rec');
    writeFileSync(corrupt, 'RNAVREC\n\x01\x00\x00\x00garbage');
    const r = await runCli(['view', corrupt]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${corrupt}: corrupt or truncated`);
    rmSync(corrupt);
  });

  it('serves a single .rec file: a client gets its episodes', async () => {
    const file = join(dir, 'single', 'x.rec');
    mkdirSync(join(dir, 'single'), { recursive: true });
    recordInto(file, 2);
    const { child, url: address } = serveCli(['view', file, '--port', '0']);
    try {
      const client = await TestClient.open(`${(await address).replace('http', 'ws')}ws`);
      expect(await client.next('hello')).toMatchObject({ mode: 'replay', source: file, episodes: 2 });
      client.send({ type: 'subscribe', version: 1 });
      expect((await client.next('scene')).episode).toBe(0);
      client.close();
    } finally {
      await stop(child);
    }
  });

  it('bound beyond loopback, prints its address with a token and lets in only the clients that carry it', async () => {
    const file = join(dir, 'single', 'exposed.rec');
    mkdirSync(join(dir, 'single'), { recursive: true });
    recordInto(file, 1);
    const { child, url: address } = serveCli(['view', file, '--port', '0', '--host', '0.0.0.0']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = new URL(await address);
      const token = url.searchParams.get('token');
      expect(token).toMatch(/^[\w-]{32}$/);
      expect(stderr).toMatch(
        /^robonav: warning: listening on 0\.0\.0\.0: the viewer is reachable from the network, for whoever has its token/,
      );
      const ws = `ws://${url.host}/ws`;
      await expect(TestClient.open(ws)).rejects.toThrow(/handshake refused: 401/);
      const client = await TestClient.open(`${ws}?token=${token}`);
      expect(await client.next('hello')).toMatchObject({ mode: 'replay', episodes: 1 });
      client.close();
    } finally {
      await stop(child);
    }
  });

  it('loads the newest recordings of a run that fit in --load-limit, says so, and refuses a single file beyond it', async () => {
    const run = join(dir, 'capped');
    mkdirSync(run, { recursive: true });
    const files = ['old.rec', 'mid.rec', 'new.rec'].map((name, i) => {
      const path = join(run, name);
      recordInto(path, i + 1);
      utimesSync(path, new Date(2020, 0, i + 1), new Date(2020, 0, i + 1));
      return { path, size: statSync(path).size };
    });
    // Room for the newest two (2 + 3 episodes), not for the oldest as well.
    const limit = (files[1]!.size + files[2]!.size + 16) / (1024 * 1024);
    const { child, url: address } = serveCli(['view', run, '--port', '0', '--load-limit', String(limit)]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const client = await TestClient.open(`${(await address).replace('http', 'ws')}ws`);
      expect(await client.next('hello')).toMatchObject({ source: 'capped', episodes: 5 });
      expect(stderr).toMatch(
        /^robonav view: loading the newest 2 of 3 recordings \(.* MiB\): at most 100 files and .* MiB \(--load-limit\)\n$/,
      );
      client.close();
    } finally {
      await stop(child);
    }
    const r = await runCli(['view', files[2]!.path, '--load-limit', String(files[2]!.size / (2 * 1024 * 1024))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/new\.rec: .* MiB, more than the .* MiB --load-limit\n$/);
    expect(r.stdout).toBe('');
  });

  it('serves a run directory: its recordings as one playlist and its curves; exits cleanly on SIGINT', async () => {
    // Without a source, `view` takes the newest run under ./runs.
    const run = join(dir, 'runs', 'run1');
    mkdirSync(join(dir, 'runs', 'old'), { recursive: true });
    utimesSync(join(dir, 'runs', 'old'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    mkdirSync(join(run, 'eval'), { recursive: true });
    recordInto(join(run, 'eval', 'a.rec'), 2);
    recordInto(join(run, 'b.rec'), 1);
    writeFileSync(join(run, 'metrics.jsonl'), '{"step":10,"meanReturn":0.1}\n');
    const { child, url: address } = serveCli(['view', '--port', '0'], dir);
    const url = await address;
    const client = await TestClient.open(`${url.replace('http', 'ws')}ws`);
    expect(await client.next('hello')).toMatchObject({
      mode: 'replay',
      source: 'run1',
      episodes: 3,
      streams: ['episodes', 'metrics'],
      frameKinds: [],
    });
    client.send({ type: 'subscribe', version: 1 });
    expect((await client.next('metrics')).points).toEqual([{ step: 10, values: { meanReturn: 0.1 } }]);
    await client.next('scene');
    client.close();
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(readdirSync(run).sort()).toEqual(['b.rec', 'eval', 'metrics.jsonl']);
  });
});
