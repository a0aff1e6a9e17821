/**
 * `robonav train --broker URL` (async, V-trace) with two real actors on a password-protected Redis:
 * it trains, writes a run directory that `robonav eval --policy` reads, keeps the password out of
 * run.json, and rejects malformed or foreign stream entries without crashing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateBatch } from '../../src/core/batch.js';
import { spaceFromJSON } from '../../src/core/spaces.js';
import { encodeChunk, type TrajectoryChunk } from '../../src/distributed/chunk.js';
import { type RunSpec, runKeys } from '../../src/distributed/trainingRun.js';
import { runCli } from '../helpers/cli.js';
import { type RedisServer, redisAvailable, startRedis } from '../helpers/redis.js';
import { killAll, type Proc, SMALL_ARGS, SMALL_CONFIG, start, updates, waitFor } from './trainingProcesses.js';

const haveRedis = redisAvailable('tests/distributed/trainAsync.test.ts');

/** A well-formed chunk of zeros for the run's spaces, with the fields `patch` changes. */
function chunkFor(spec: RunSpec, patch: Partial<TrajectoryChunk>): Buffer {
  const space = spaceFromJSON(spec.observationSpace);
  const T = spec.config.numSteps;
  const chunk: TrajectoryChunk = {
    run: spec.run,
    actor: 'test',
    policyVersion: 0,
    envSeed: 0,
    numSteps: T,
    obs: allocateBatch(space, T + 1),
    starts: new Uint8Array(T + 1),
    actions: new Float32Array(T),
    rewards: new Float32Array(T),
    terminated: new Uint8Array(T),
    truncated: new Uint8Array(T),
    logprobs: new Float32Array(T),
    values: new Float32Array(T + 1),
    finalObs: allocateBatch(space, 0),
    finalSteps: new Int32Array(0),
    finalValues: new Float32Array(0),
    initialState: [],
    episodes: [],
    ...patch,
  };
  chunk.starts[0] = 1;
  return encodeChunk(chunk, space);
}

describe.skipIf(!haveRedis)('robonav train --broker (async)', () => {
  let redis: RedisServer;
  let url: string;
  const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-train-async-'));
  const config = path.join(tmp, 'small.json');
  const procs: Proc[] = [];
  beforeAll(async () => {
    redis = await startRedis(['--requirepass', 'hunter2']);
    url = `redis://:hunter2@127.0.0.1:${redis.port}/0`;
    writeFileSync(config, SMALL_CONFIG);
  });
  afterAll(async () => {
    await killAll(procs);
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('trains from two actors, rejects foreign and malformed chunks, and writes a run that eval reads, locally and through the actor that also evaluates', async () => {
    const out = path.join(tmp, 'appo');
    const learner = start([
      'train',
      ...SMALL_ARGS,
      '--config',
      config,
      '--steps',
      '320',
      '--test-episodes',
      '2',
      '--broker',
      url,
      '--out',
      out,
      '--max-policy-lag',
      '3',
      '--json',
    ]);
    procs.push(learner);
    const client = new Redis(url);
    try {
      const keys = runKeys('appo');
      await waitFor(async () => (await client.get(keys.spec)) !== null, 'the spec', procs);
      const spec = JSON.parse((await client.get(keys.spec))!) as RunSpec;
      expect(spec).toMatchObject({ run: 'appo', env: 'PointNav-Easy-v0', sync: false, config: { numEnvs: 2, numSteps: 16 } });
      // Before any actor: garbage, an entry without a chunk, another run's chunk, a NaN reward.
      const T = spec.config.numSteps;
      const nan = new Float32Array(T);
      nan[3] = Number.NaN;
      for (const fields of [
        ['chunk', Buffer.from('not a chunk at all')],
        ['something', 'else'],
        ['chunk', chunkFor(spec, { run: 'someone-else' })],
        ['chunk', chunkFor(spec, { rewards: nan })],
      ] as const)
        await client.xadd(keys.chunks, '*', ...fields);
      // The second actor also takes evaluation jobs, between rollouts and while it waits.
      procs.push(start(['actor', '--broker', url, '--run', 'appo']), start(['actor', '--broker', url, '--run', 'appo', '--eval']));
      expect(await learner.exited, learner.stderr()).toBe(0);
      const summary = JSON.parse(learner.stdout()) as { step: number; distributed: Record<string, number>; test: unknown };
      expect(summary.step).toBe(320);
      expect(summary.test).not.toBeNull();
      expect(summary.distributed.rejectedChunks).toBe(4);
      expect(summary.distributed.policyLagMax).toBeLessThanOrEqual(3);
      expect(summary.distributed.bytesPerStep).toBeGreaterThan(0);
      for (const reason of ['magic|length', 'format', 'run', 'nan'])
        expect(learner.stderr()).toMatch(new RegExp(`stream entry \\S+: rejected chunk \\((${reason})\\)`));

      const records = updates(out);
      expect(records).toHaveLength(10);
      expect(Math.max(...records.map((r) => r.actors as number))).toBe(2);
      for (const r of records) {
        for (const key of ['policyLag', 'policyLagMax', 'brokerBytesPerSecond', 'droppedChunks', 'rejectedChunks', 'learnerIdle'])
          expect(typeof r[key], key).toBe('number');
        expect(r.policyLagMax as number).toBeLessThanOrEqual(3);
        expect(Number.isFinite(r.valueLoss as number)).toBe(true);
      }
      const runFile = readFileSync(path.join(out, 'run.json'), 'utf8');
      expect(runFile).not.toContain('hunter2');
      expect(JSON.parse(runFile).distributed).toEqual({
        broker: `redis://:***@127.0.0.1:${redis.port}/0`,
        run: 'appo',
        sync: false,
        maxPolicyLag: 3,
      });
      // Streams stay bounded: the actors trim with MAXLEN ~.
      expect(await client.xlen(keys.chunks)).toBeLessThan(spec.streamMaxLen + 200);
    } finally {
      client.disconnect();
    }

    const evalArgs = ['eval', '--policy', out, '--env', 'PointNav-Easy-v0', '--episodes', '2', '--json'];
    const [evaluation, sharded] = await Promise.all([
      runCli(evalArgs, { ROBONAV_BACKEND: 'wasm' }),
      runCli([...evalArgs, '--broker', url], { ROBONAV_BACKEND: 'wasm' }),
    ]);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(JSON.parse(evaluation.stdout)).toMatchObject({ episodes: 2 });
    // The training actor with --eval ran the jobs: the same figures as the local evaluation.
    expect(sharded.code, sharded.stderr).toBe(0);
    expect(JSON.parse(sharded.stdout)).toEqual(JSON.parse(evaluation.stdout));
  });
});
