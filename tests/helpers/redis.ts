/**
 * A real Redis for the distributed tests: Debian's `redis-server` (`apt-get install -y
 * redis-server`, as `.ci/run` does), started on a free loopback port with no persistence
 * (`--save '' --appendonly no`) and stopped afterwards. Without the binary a suite is skipped with
 * a printed reason, except under CI (CI set), where that is an error — the same rule as chromium.
 *
 *   const haveRedis = redisAvailable('tests/distributed/x.test.ts');
 *   let redis: RedisServer;
 *   beforeAll(async () => { if (haveRedis) redis = await startRedis(); });
 *   afterAll(() => redis?.stop());
 *   describe.skipIf(!haveRedis)('…', …);   // redis.url is redis://127.0.0.1:PORT/0
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { findExecutable } from '../../src/render/video/Mp4Encoder.js';

/** Whether redis-server is on PATH; says why the suite `file` is skipped if not, and throws under CI. */
export function redisAvailable(file: string): boolean {
  if (findExecutable('redis-server') !== null) return true;
  if (process.env.CI) throw new Error('redis-server is missing: the distributed tests need it (apt-get install -y redis-server)');
  console.log(`${file}: skipped, redis-server is missing (apt-get install -y redis-server)`);
  return false;
}

/** A running redis-server of one test suite. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT/0`. */
  url: string;
  port: number;
  /** Extra arguments it was started with (e.g. `--requirepass`), so that `restart` keeps them. */
  args: string[];
  /** Kill it (SIGKILL: a crash, not a clean shutdown) and wait until the port is closed. */
  kill(): Promise<void>;
  /** Start it again on the same port with the same arguments (an empty database: nothing is persisted). */
  restart(): Promise<void>;
  /** Stop it for good. */
  stop(): Promise<void>;
}

/** Start redis-server on a free loopback port; `args` are extra server options (e.g. `['--requirepass', 'secret']`). */
export async function startRedis(args: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = await launch(port, args);
  const kill = async (): Promise<void> => {
    if (child === null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = null;
  };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    args,
    kill,
    restart: async () => {
      await kill();
      child = await launch(port, args);
    },
    stop: kill,
  };
}

async function launch(port: number, args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
