/**
 * The learner's rollout source on a real Redis: chunk j fills column j of the buffer with its steps,
 * s_T and its final observations, and V-trace then evaluates both bootstraps under the learner's
 * weights instead of keeping the behaviour's values the chunk carries.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PPO, PPO } from '../../agents/ppo.js';
import { allocateBatch } from '../../src/core/batch.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import { Broker } from '../../src/distributed/Broker.js';
import { BrokerRollouts } from '../../src/distributed/BrokerRollouts.js';
import { encodeChunk, type TrajectoryChunk } from '../../src/distributed/chunk.js';
import { RUN_SPEC_FORMAT, type RunSpec, runKeys } from '../../src/distributed/trainingRun.js';
import { initBackend } from '../../src/nn/backend.js';
import { type RedisServer, redisAvailable, startRedis } from '../helpers/redis.js';

const haveRedis = redisAvailable('tests/distributed/BrokerRollouts.test.ts');

const T = 4;
const N = 2;
const observationSpace = new Box(-10, 10, [3]);
const actionSpace = new Discrete(2);

/** Env j's chunk of version 0: random observations, an episode truncated at step 1 (env 0) or 3 (env 1), behaviour values 100 + …. */
function chunk(j: number, rng: Rng): TrajectoryChunk {
  const cut = j === 0 ? 1 : 3;
  const obs = allocateBatch(observationSpace, T + 1) as Float32Array;
  for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
  const starts = new Uint8Array(T + 1);
  starts[0] = 1;
  starts[cut + 1] = 1;
  const truncated = new Uint8Array(T);
  truncated[cut] = 1;
  return {
    run: 'boot',
    actor: 'test',
    policyVersion: 0,
    envSeed: j,
    numSteps: T,
    obs,
    starts,
    actions: Float32Array.from({ length: T }, (_, t) => (t + j) % 2),
    rewards: new Float32Array(T).fill(1),
    terminated: new Uint8Array(T),
    truncated,
    logprobs: new Float32Array(T).fill(Math.log(0.5)),
    values: Float32Array.from({ length: T + 1 }, (_, t) => 100 + 10 * j + t),
    finalObs: Float32Array.from({ length: 3 }, () => rng.normal()),
    finalSteps: Int32Array.from([cut]),
    finalValues: Float32Array.from([200 + j]),
    initialState: [],
    episodes: [{ return: cut + 1, length: cut + 1, success: null }],
  };
}

describe.skipIf(!haveRedis)('BrokerRollouts', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    await initBackend();
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('fills s_T and the final observations; V-trace evaluates them under the learner’s weights', async () => {
    const broker = await Broker.connect(redis.url, { name: 'test', log: () => {} });
    const config = { ...DEFAULT_PPO, seed: 1, numEnvs: N, numSteps: T };
    const spec: RunSpec = {
      format: RUN_SPEC_FORMAT,
      run: 'boot',
      env: 'none',
      envOptions: {},
      agent: 'ppo',
      config,
      observationSpace: observationSpace.toJSON(),
      actionSpace: actionSpace.toJSON(),
      sync: false,
      streamMaxLen: 64,
      maxBacklog: 4,
    };
    const source = new BrokerRollouts({ broker, spec, observationSpace, actionSpace, maxPolicyLag: 4, blockMs: 100 });
    const ppo = new PPO(source, config);
    await source.start(ppo, true);
    const rng = new Rng(5);
    const chunks = [chunk(0, rng), chunk(1, rng)];
    for (const c of chunks) await broker.client.xadd(runKeys('boot').chunks, '*', 'chunk', encodeChunk(c, observationSpace));
    ppo.update = 1;
    const agent = ppo as unknown as { collectRollout(): Promise<unknown>; computeTargets(): void };
    await agent.collectRollout();

    const b = ppo.buffer;
    for (let j = 0; j < N; j++) {
      const c = chunks[j]!;
      expect(Array.from((b.lastObs as Float32Array).subarray(3 * j, 3 * j + 3))).toEqual(
        Array.from((c.obs as Float32Array).subarray(3 * T)),
      );
      expect(b.lastStarts[j]).toBe(c.starts[T]);
      expect(b.lastValues[j]).toBe(c.values[T]);
      expect(b.finalValues[c.finalSteps[0]! * N + j]).toBe(c.finalValues[0]);
    }
    expect(b.finals.count).toBe(2);
    expect(Array.from(b.finals.rows.subarray(0, 2))).toEqual([1 * N + 0, 3 * N + 1]);
    expect(Array.from((b.finals.obs as Float32Array).subarray(0, 6))).toEqual([
      ...(chunks[0]!.finalObs as Float32Array),
      ...(chunks[1]!.finalObs as Float32Array),
    ]);

    // Feed-forward: the learner's V on the chunks' s_T and final observations.
    agent.computeTargets();
    const value = (rows: Float32Array, count: number): number[] =>
      Array.from(tf.tidy(() => ppo.network.step([tf.tensor2d(rows, [count, 3])]).value.dataSync()));
    const last = value((b.lastObs as Float32Array).slice(0, 3 * N), N);
    const finals = value(Float32Array.from([...(chunks[0]!.finalObs as Float32Array), ...(chunks[1]!.finalObs as Float32Array)]), 2);
    for (let j = 0; j < N; j++) expect(b.lastValues[j]).toBeCloseTo(last[j]!, 5);
    expect(b.finalValues[1 * N + 0]).toBeCloseTo(finals[0]!, 5);
    expect(b.finalValues[3 * N + 1]).toBeCloseTo(finals[1]!, 5);
    await ppo.close();
    await broker.close();
  });
});
