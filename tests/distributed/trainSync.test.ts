/**
 * `robonav train --broker URL --sync` with one real `robonav actor`: plain PPO whose first updates
 * match the in-process run of the same seed.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { redisAvailable } from '../helpers/redis.js';
import { SMALL_ARGS, start, trainingSuite, updates, waitFor } from './trainingProcesses.js';

const haveRedis = redisAvailable('tests/distributed/trainSync.test.ts');

describe.skipIf(!haveRedis)('robonav train --broker --sync', () => {
  const suite = trainingSuite('train-sync');
  const { tmp, config, procs } = suite;

  it("with one actor, its first three updates match the in-process run's losses", async () => {
    const common = [...SMALL_ARGS, '--config', config, '--steps', '96', '--test-episodes', '0', '--seed', '3', '--json'];
    const localOut = path.join(tmp, 'local');
    const out = path.join(tmp, 'sync');
    const learner = start(['train', ...common, '--out', out, '--broker', suite.redis.url, '--sync']);
    procs.push(learner);
    // The actor may start first: it waits for the learner's spec and weights.
    const actor = start(['actor', '--broker', suite.redis.url, '--run', 'sync']);
    procs.push(actor);
    const local = await runCli(['train', ...common, '--out', localOut], { ROBONAV_BACKEND: 'wasm' });
    expect(local.code, local.stderr).toBe(0);
    expect(await learner.exited, learner.stderr()).toBe(0);
    const summary = JSON.parse(learner.stdout()) as { step: number; distributed: Record<string, number> };
    expect(summary.step).toBe(96);
    expect(summary.distributed).toMatchObject({ actors: 1, policyLag: 0, policyLagMax: 0, droppedChunks: 0, rejectedChunks: 0 });

    const a = updates(localOut);
    const b = updates(out);
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(3);
    // The actor is actor 0 with the run's two envs: the same env seeds and the same sampling stream,
    // so the same actions and episodes as the in-process run. The losses are not bit-identical: an
    // actor rounds depth to whole millimetres (the uint16 a chunk carries) before the policy sees
    // it, the in-process run does not, so values, log-probs and gradients differ by about the
    // network's sensitivity to 0.5 mm. Measured (wasm backend): value loss 2e-4 relative and policy
    // loss 4e-8 absolute apart in the first update, 0.3 % and 7e-6 in the next two as the weights
    // drift apart; the bounds leave about ten times that.
    for (let u = 0; u < 3; u++) {
      const [x, y] = [a[u]!, b[u]!];
      expect(y.episodeReturn).toBe(x.episodeReturn);
      expect(y.episodes).toBe(x.episodes);
      expect(Math.abs((y.entropy as number) - (x.entropy as number))).toBeLessThan(5e-5);
      const valueTolerance = u === 0 ? 2e-3 : 3e-2;
      expect(Math.abs((y.valueLoss as number) - (x.valueLoss as number))).toBeLessThan(valueTolerance * Math.abs(x.valueLoss as number));
      expect(Math.abs((y.policyLoss as number) - (x.policyLoss as number))).toBeLessThan(u === 0 ? 1e-6 : 1e-4);
    }
    expect(b[0]).toMatchObject({ actors: 1, policyLag: 0, droppedChunks: 0, rejectedChunks: 0 });
    for (const key of ['brokerBytesPerSecond', 'learnerIdle']) expect(typeof b[0]![key]).toBe('number');

    // Ctrl-C (SIGINT) or SIGTERM stops an actor between rollouts with exit 0.
    await waitFor(() => actor.stderr().includes('joined run sync'), 'the actor to join', procs);
    actor.child.kill('SIGTERM');
    expect(await actor.exited, actor.stderr()).toBe(0);
    expect(actor.stderr()).toMatch(/stopped after \d+ rollouts/);
  });

  it('one actor with fewer envs than the run collects every update in several rollouts of the same version', async () => {
    const out = path.join(tmp, 'small-actor');
    const learner = start([
      'train',
      ...SMALL_ARGS,
      '--config',
      config,
      '--steps',
      '96',
      '--test-episodes',
      '0',
      '--json',
      '--out',
      out,
      '--broker',
      suite.redis.url,
      '--sync',
    ]);
    procs.push(learner);
    const actor = start(['actor', '--broker', suite.redis.url, '--run', 'small-actor', '--num-envs', '1']);
    procs.push(actor);
    expect(await learner.exited, learner.stderr()).toBe(0);
    const summary = JSON.parse(learner.stdout()) as { step: number; distributed: Record<string, number> };
    expect(summary.step).toBe(96);
    expect(summary.distributed).toMatchObject({ policyLag: 0, policyLagMax: 0, droppedChunks: 0, rejectedChunks: 0 });
    actor.child.kill('SIGTERM');
    expect(await actor.exited, actor.stderr()).toBe(0);
    // Two rollouts of one env per update of two envs; it may have begun on the version after the last update.
    const rollouts = Number(/stopped after (\d+) rollouts/.exec(actor.stderr())?.[1]);
    expect(rollouts).toBeGreaterThanOrEqual(6);
    expect(rollouts).toBeLessThanOrEqual(8);
  });
});
