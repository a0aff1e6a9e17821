/**
 * A Redis restart in the middle of a distributed training run (an empty database: the tests run it
 * without persistence): the learner and the actor reconnect with back-off, the learner writes the
 * run's spec, stream and weights again, and training finishes.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redisAvailable } from '../helpers/redis.js';
import { SMALL_ARGS, start, trainingSuite, updates, waitFor } from './trainingProcesses.js';

const haveRedis = redisAvailable('tests/distributed/trainRedisRestart.test.ts');

describe.skipIf(!haveRedis)('distributed training across a Redis restart', () => {
  const suite = trainingSuite('train-restart');
  const { tmp, config, procs } = suite;

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
      suite.redis.url,
      '--out',
      out,
      '--json',
    ]);
    const actor = start(['actor', '--broker', suite.redis.url, '--run', 'restart']);
    procs.push(learner, actor);
    await waitFor(() => updates(out).length >= 2, 'two updates', procs);
    await suite.redis.restart();
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
