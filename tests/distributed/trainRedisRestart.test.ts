/**
 * A Redis restart in the middle of a distributed training run (an empty database: the tests run it
 * without persistence): the learner and the actor reconnect with back-off, the learner writes the
 * run's spec, stream and weights again, and training finishes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisAvailable, startRedis } from '../helpers/redis.js';
import { killAll, type Proc, SMALL_ARGS, SMALL_CONFIG, start, updates, waitFor } from './trainingProcesses.js';

const haveRedis = redisAvailable('tests/distributed/trainRedisRestart.test.ts');

describe.skipIf(!haveRedis)('distributed training across a Redis restart', () => {
  let redis: RedisServer;
  const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-train-restart-'));
  const config = path.join(tmp, 'small.json');
  const procs: Proc[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    writeFileSync(config, SMALL_CONFIG);
  });
  afterAll(async () => {
    await killAll(procs);
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('learner and actor reconnect, the run is written again, and training finishes', async () => {
    const out = path.join(tmp, 'restart');
    const learner = start([
      'train',
      ...SMALL_ARGS,
      '--config',
      config,
      '--steps',
      '480',
      '--test-episodes',
      '0',
      '--broker',
      redis.url,
      '--out',
      out,
      '--json',
    ]);
    const actor = start(['actor', '--broker', redis.url, '--run', 'restart']);
    procs.push(learner, actor);
    await waitFor(() => updates(out).length >= 2, 'two updates', procs);
    await redis.restart();
    expect(await learner.exited, learner.stderr()).toBe(0);
    expect(updates(out)).toHaveLength(15);
    for (const p of [learner, actor]) {
      expect(p.stderr()).toMatch(/lost Redis at 127\.0\.0\.1:\d+ .*reconnecting with back-off/);
      expect(p.stderr()).toMatch(/reconnected to Redis at 127\.0\.0\.1:\d+/);
    }
    expect(learner.stderr()).toMatch(/the chunk stream is gone/);
    actor.child.kill('SIGTERM');
    expect(await actor.exited, actor.stderr()).toBe(0);
  });
});
