/**
 * `runShardedSlice` and `EvalJobWorker` in one process: a job taken with `takeOne()` gives what
 * `runSlice` gives locally, `takeOne()` returns false when there is no job, and a job answered twice
 * counts once, and a Redis restart (which loses everything: no persistence) costs a resubmission.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import { make } from '../../envs/registry.js';
import { Broker } from '../../src/distributed/Broker.js';
import { EVAL_GROUP, EVAL_JOBS_STREAM, EvalJobWorker, runShardedSlice, type ShardedRunStats } from '../../src/distributed/evalJobs.js';
import { runSlice, type SliceTask } from '../../src/eval/bench/policiesBench.js';
import { type RedisServer, redisAvailable, startRedis } from '../helpers/redis.js';

const haveRedis = redisAvailable('tests/distributed/shardedSlice.test.ts');
const quiet = (): void => {};

function task(): SliceTask {
  const envOptions = { sensors: ['pointgoal'] };
  const env = make('PointNav-Easy-v0', envOptions);
  const { episodes } = fixedEpisodes('PointNav-Easy-v0', env, { split: 'val', count: 4 });
  env.close();
  return { env: 'PointNav-Easy-v0', envOptions, policies: ['random', 'oracle'], seed: 5, first: 0, episodes, replays: 2, stochastic: true };
}

describe.skipIf(!haveRedis)('sharded slices in one process', () => {
  let redis: RedisServer;
  let broker: Broker;
  beforeAll(async () => {
    redis = await startRedis();
    broker = await Broker.connect(redis.url, { name: 'robonav test', log: quiet });
  });
  afterAll(async () => {
    await broker?.close();
    await redis?.stop();
  });

  it('an actor taking one job at a time gives what runSlice gives here; takeOne is false without jobs', async () => {
    const local = await runSlice(task(), quiet);
    const worker = new EvalJobWorker(broker, { name: 'robonav test', log: quiet, blockMs: 100 });
    expect(await worker.takeOne()).toBe(false);
    let episodes = 0;
    const sharded = runShardedSlice(broker, task(), { name: 'robonav test', log: quiet, jobEpisodes: 3 }, () => episodes++);
    let taken = 0;
    while (taken < 4) if (await worker.takeOne()) taken++;
    expect(await sharded).toEqual(local);
    expect(episodes).toBe(8);
    expect(worker.counts).toEqual({ done: 4, reclaimed: 0, rejected: 0 });
    expect(await worker.takeOne()).toBe(false);
    await worker.close();
  });

  it('a job answered twice counts once', async () => {
    const one = { ...task(), policies: ['random'] };
    const local = await runSlice(one, quiet);
    const stats: ShardedRunStats = { jobs: 0, duplicates: 0, rejected: 0 };
    const sharded = runShardedSlice(broker, one, { name: 'robonav test', log: quiet }, quiet, stats);
    // A stand-in actor: take the job, answer it twice at once (as a slow actor and the one that took over would).
    const reader = new Redis(redis.url);
    const entry = await takeJob(reader);
    const set = entry[1][entry[1].indexOf('set') + 1]!;
    const answer = JSON.stringify({ job: 0, actor: 'stand-in', results: local.results[0], replays: local.replays });
    await reader
      .multi()
      .xadd(`robonav:eval:${set}:results`, '*', 'answer', answer)
      .xadd(`robonav:eval:${set}:results`, '*', 'answer', answer)
      .exec();
    expect(await sharded).toEqual(local);
    expect(stats).toEqual({ jobs: 1, duplicates: 1, rejected: 0 });
    expect(await reader.keys(`robonav:eval:${set}:*`)).toEqual([]);
    reader.disconnect();
  });

  it('after a Redis restart the command sends its unanswered jobs again and an actor finishes them', async () => {
    const one = { ...task(), policies: ['random'] };
    const local = await runSlice(one, quiet);
    const lines: string[] = [];
    const sharded = runShardedSlice(broker, one, { name: 'robonav test', log: (l) => lines.push(l), jobEpisodes: 2 });
    const worker = new EvalJobWorker(broker, { name: 'robonav test', log: quiet, blockMs: 100 });
    expect(await worker.takeOne()).toBe(true);
    await redis.restart();
    let finished = false;
    const result = sharded.finally(() => {
      finished = true;
    });
    while (!finished) await worker.takeOne();
    expect(await result).toEqual(local);
    // The answer to the first job may or may not have been read before the restart.
    expect(lines).toEqual([expect.stringMatching(/the job set is gone from Redis .*; sending its [12] unanswered jobs again/)]);
    await worker.close();
  });

  it('a job an actor could not run is sent again; three failures end the command with their reasons', async () => {
    const one = { ...task(), policies: ['random'] };
    const lines: string[] = [];
    const sharded = runShardedSlice(broker, one, { name: 'robonav test', log: (l) => lines.push(l) });
    const outcome = sharded.then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    const reader = new Redis(redis.url);
    let set = '';
    for (let failure = 0; failure < 3; failure++) {
      // Each failure sends the job again: take that copy, then say it failed.
      const entry = await takeJob(reader);
      set = entry[1][entry[1].indexOf('set') + 1]!;
      const answer = { job: 0, actor: `a${failure}`, error: `no env here (${failure})`, results: [], replays: [] };
      await reader.xadd(`robonav:eval:${set}:results`, '*', 'answer', JSON.stringify(answer));
    }
    expect(await outcome).toBe('robonav test: job 0 failed 3 times: a0: no env here (0); a1: no env here (1); a2: no env here (2)');
    expect(lines).toEqual([
      'robonav test: actor a0 could not run job 0 (no env here (0)); sending it again',
      'robonav test: actor a1 could not run job 0 (no env here (1)); sending it again',
    ]);
    expect(await reader.keys(`robonav:eval:${set}:*`)).toEqual([]);
    expect(await reader.xlen(EVAL_JOBS_STREAM)).toBe(0);
    reader.disconnect();
  });
});

/** A stand-in actor's read: the next job on the shared stream, waiting for one. */
async function takeJob(reader: Redis): Promise<[string, string[]]> {
  for (;;) {
    const reply = (await reader.xreadgroup(
      'GROUP',
      EVAL_GROUP,
      'stand-in',
      'COUNT',
      1,
      'BLOCK',
      100,
      'STREAMS',
      EVAL_JOBS_STREAM,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entry = reply?.[0]?.[1]?.[0];
    if (entry) return entry;
  }
}
