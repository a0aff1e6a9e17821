/**
 * Faults of a distributed training run with real processes: an actor SIGKILLed mid-run (the learner
 * carries on with the other), and a learner SIGKILLed and resumed from its checkpoint (the actors
 * wait, take the re-published weights and training continues).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redisAvailable } from '../helpers/redis.js';
import { SMALL_ARGS, start, trainingSuite, updates, waitFor } from './trainingProcesses.js';

const haveRedis = redisAvailable('tests/distributed/trainFaults.test.ts');

describe.skipIf(!haveRedis)('distributed training faults', () => {
  const suite = trainingSuite('train-faults');
  const { tmp, config, procs } = suite;

  const learnerArgs = (out: string, steps: number): string[] => [
    'train',
    ...SMALL_ARGS,
    '--config',
    config,
    '--steps',
    String(steps),
    '--test-episodes',
    '0',
    '--checkpoint-every',
    '1',
    '--broker',
    suite.redis.url,
    '--out',
    out,
    '--json',
  ];

  it('an actor killed mid-run: the learner finishes with the other', async () => {
    const out = path.join(tmp, 'kill-actor');
    const learner = start(learnerArgs(out, 640));
    const a = start(['actor', '--broker', suite.redis.url, '--run', 'kill-actor']);
    const b = start(['actor', '--broker', suite.redis.url, '--run', 'kill-actor']);
    procs.push(learner, a, b);
    await waitFor(() => updates(out).length >= 2, 'two updates', procs);
    a.child.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    const killedAt = updates(out).length;
    expect(await learner.exited, learner.stderr()).toBe(0);
    const records = updates(out);
    expect(records).toHaveLength(20);
    expect(killedAt).toBeLessThan(20);
    expect(JSON.parse(learner.stdout()).step).toBe(640);

    // A new learner under the same run name with other settings (one env): the actor joins it afresh.
    const again = path.join(tmp, 'again', 'kill-actor');
    const second = start([...learnerArgs(again, 64), '--num-envs', '1']);
    procs.push(second);
    expect(await second.exited, second.stderr()).toBe(0);
    expect(b.stderr()).toMatch(/run kill-actor was started again with other settings; joining it afresh/);
    expect(b.stderr()).toMatch(/joined run kill-actor \(PointNav-Easy-v0, 1 envs/);
    b.child.kill('SIGTERM');
    expect(await b.exited, b.stderr()).toBe(0);
  });

  it('a learner killed and resumed: the actor re-attaches and training continues from the checkpoint', async () => {
    const out = path.join(tmp, 'kill-learner');
    const first = start(learnerArgs(out, 640));
    const actor = start(['actor', '--broker', suite.redis.url, '--run', 'kill-learner']);
    procs.push(first, actor);
    await waitFor(() => updates(out).length >= 3, 'three updates', procs);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const before = updates(out).length;

    const resumed = start(['train', '--resume', out, '--broker', suite.redis.url, '--steps', '640', '--test-episodes', '0', '--json']);
    procs.push(resumed);
    expect(await resumed.exited, resumed.stderr()).toBe(0);
    const summary = JSON.parse(resumed.stdout()) as { step: number; updates: number };
    expect(summary).toMatchObject({ step: 640, updates: 20 });
    const records = updates(out);
    // The resumed learner continues from its last checkpoint (every update): the update numbers
    // after the restart go on from there, up to the budget.
    const numbers = records.map((r) => r.update as number);
    expect(numbers.at(-1)).toBe(20);
    expect(records.length).toBeGreaterThan(before);
    expect(records.slice(before).every((r) => (r.actors as number) >= 1)).toBe(true);
    // The same actor process served both learners.
    expect(actor.child.exitCode).toBeNull();
    expect(actor.stderr().match(/joined run/g)).toHaveLength(1);
    actor.child.kill('SIGTERM');
    expect(await actor.exited, actor.stderr()).toBe(0);
  });
});
