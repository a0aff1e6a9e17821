/**
 * `robonav eval --broker` and `robonav bench policies --broker` with two real actor processes print
 * and write exactly what the local commands do (bad broker flags: brokerFlags.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startActor, stopAll, trainTinyPointGoalRun } from '../helpers/actors.js';
import { runCli } from '../helpers/cli.js';
import { type RedisServer, redisAvailable, startRedis } from '../helpers/redis.js';

const haveRedis = redisAvailable('tests/commands/evalBroker.test.ts');
const root = mkdtempSync(path.join(tmpdir(), 'robonav-eval-broker-'));
const run = path.join(root, 'run');
const env = { ROBONAV_BACKEND: 'wasm' };

describe.skipIf(!haveRedis)('robonav eval / bench policies --broker', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
    const trained = await trainTinyPointGoalRun(run);
    expect(trained.code, trained.stderr).toBe(0);
    const a = startActor(redis.url);
    const b = startActor(redis.url);
    await Promise.all([a.waitFor(/taking evaluation jobs/), b.waitFor(/taking evaluation jobs/)]);
  }, 120_000);
  afterAll(async () => {
    await stopAll();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** The keys left in Redis: only the (empty) shared job stream. */
  async function leftovers(): Promise<{ keys: string[]; jobs: number }> {
    const client = new Redis(redis.url);
    const keys = (await client.keys('*')).sort();
    const jobs = keys.includes('robonav:eval:jobs') ? await client.xlen('robonav:eval:jobs') : 0;
    client.disconnect();
    return { keys, jobs };
  }

  it.each([
    ['sampled', []],
    ['most likely', ['--deterministic']],
  ])(
    'eval with %s actions: the table and the JSON line equal the local ones',
    async (_, extra) => {
      const args = ['eval', '--policy', run, '--env', 'PointNav-Easy-v0', '--episodes', '7', '--seed', '3', '--per-episode', ...extra];
      const [local, sharded, localJson, shardedJson] = await Promise.all([
        runCli(args, env),
        runCli([...args, '--broker', redis.url, '--job-episodes', '2'], env),
        runCli([...args, '--json'], env),
        runCli([...args, '--json', '--broker', redis.url, '--job-episodes', '3'], env),
      ]);
      for (const r of [local, sharded, localJson, shardedJson]) expect(r.code, r.stderr).toBe(0);
      expect(sharded.stdout).toBe(local.stdout);
      expect(shardedJson.stdout).toBe(localJson.stdout);
      expect(await leftovers()).toEqual({ keys: ['robonav:eval:jobs'], jobs: 0 });
    },
    60_000,
  );

  it('bench policies: the table and every file equal the local ones', async () => {
    const args = [
      'bench',
      'policies',
      '--policies',
      `random,oracle,${run}`,
      '--env',
      'PointNav-Easy-v0',
      '--sensors',
      'pointgoal',
      '--episodes',
      '5',
    ];
    const [local, sharded] = await Promise.all([
      runCli([...args, '--threads', '2', '--out', path.join(root, 'local')], env),
      runCli([...args, '--out', path.join(root, 'sharded'), '--broker', redis.url, '--job-episodes', '2'], env),
    ]);
    expect(local.code, local.stderr).toBe(0);
    expect(sharded.code, sharded.stderr).toBe(0);
    expect(sharded.stdout.replaceAll('sharded', 'local')).toBe(local.stdout);
    for (const file of ['policies.json', 'policies.md', 'policies.csv', 'replays.json'])
      expect(readFileSync(path.join(root, 'sharded', file), 'utf8'), file).toBe(readFileSync(path.join(root, 'local', file), 'utf8'));
    expect(await leftovers()).toEqual({ keys: ['robonav:eval:jobs'], jobs: 0 });
  }, 60_000);
});
