import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeGae } from '../../../agents/common/gae.js';
import { LocalRollouts } from '../../../agents/common/OnPolicyAgent.js';
import { RolloutBuffer } from '../../../agents/common/RolloutBuffer.js';
import { envResetSeed, RolloutCollector, samplingSeed } from '../../../agents/common/RolloutCollector.js';
import { PPO } from '../../../agents/ppo.js';
import { SyncVectorEnv } from '../../../envs/vector/SyncVectorEnv.js';
import { initBackend } from '../../../src/nn/backend.js';
import { CueBandit, CueMemory, TargetReach } from '../fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

type Internals = { collectRollout(): Promise<unknown> };

describe('RolloutCollector', () => {
  it.each([
    [
      'Discrete actions',
      () => new PPO((i) => new CueBandit(3, i), { numEnvs: 3, numSteps: 5, seed: 4 }),
      (i: number) => new CueBandit(3, i),
    ],
    ['Box actions', () => new PPO((i) => new TargetReach(i), { numEnvs: 2, numSteps: 6, seed: 9 }), (i: number) => new TargetReach(i)],
  ])(
    '%s: a collector of its own, with the seeds of actor 0 and the same weights, reproduces the agent’s rollout',
    async (_, build, factory) => {
      const ppo = build();
      const rngBefore = ppo.rng.getState();
      ppo.update = 1;
      await (ppo as unknown as Internals).collectRollout();
      // Collecting draws nothing from the agent's stream (network init and minibatch shuffles).
      expect(ppo.rng.getState()).toEqual(rngBefore);

      const envs = new SyncVectorEnv(factory, ppo.config.numEnvs);
      const collector = new RolloutCollector(envs, ppo.network, { samplingSeed: samplingSeed(ppo.config.seed) });
      const buffer = new RolloutBuffer(ppo.config.numSteps, ppo.config.numEnvs, envs.singleObservationSpace, ppo.buffer.actionSize);
      await collector.reset(envResetSeed(ppo.config.seed, 1));
      expect(await collector.collect(buffer)).toBe(ppo.buffer.size);
      for (const key of ['actions', 'logprobs', 'values', 'rewards', 'terminated', 'truncated', 'starts', 'lastValues'] as const)
        expect(Array.from(buffer[key]), key).toEqual(Array.from(ppo.buffer[key]));
      // Another actor's stream picks other actions.
      const other = new RolloutCollector(envs, ppo.network, { samplingSeed: samplingSeed(ppo.config.seed, 1) });
      await other.reset(envResetSeed(ppo.config.seed, 1));
      await other.collect(buffer);
      expect(Array.from(buffer.logprobs)).not.toEqual(Array.from(ppo.buffer.logprobs));
      collector.dispose();
      other.dispose();
      await envs.close();
      await ppo.close();
    },
  );

  it("stores each observation's path bearing and at-goal label from the info that came with it, across episode ends", async () => {
    // CueMemory(1): episodes of two observations, the cue (one-hot) shown in the first; every info carries the cue as ±π/2.
    const ppo = new PPO((i) => new CueMemory(1, i), { numEnvs: 2, numSteps: 7, seed: 3 });
    await (ppo as unknown as Internals).collectRollout();
    const { buffer } = ppo;
    const cue = (buffer.obs as Record<string, Float32Array>).cue!;
    for (let n = 0; n < 2; n++) {
      let shown = -1;
      for (let t = 0; t < 7; t++) {
        const i = t * 2 + n;
        if (buffer.starts[i]) shown = cue[2 * i]! === 1 ? 0 : 1;
        expect(buffer.pathBearings[i], `env ${n}, t ${t}`).toBe(Math.fround(shown === 0 ? Math.PI / 2 : -Math.PI / 2));
        expect(buffer.atGoals[i], `env ${n}, t ${t}`).toBe(shown === 0 ? 1 : 0);
      }
    }
    // Both cues occur, so a target written one row late would be caught at some episode start.
    expect(new Set(buffer.pathBearings).size).toBe(2);
    expect(new Set(buffer.atGoals).size).toBe(2);
    await ppo.close();
  });

  it('saves the sampling stream in the agent state; a state without it (older checkpoints) derives it', async () => {
    const make = (): PPO => new PPO((i) => new CueBandit(2, i), { numEnvs: 2, numSteps: 4, seed: 2 });
    const a = make();
    await a.learn(16);
    const state = a.getState();
    expect(state.samplingRng).toHaveLength(4);

    const actions = async (s: typeof state): Promise<number[]> => {
      const b = make();
      b.setState(s);
      await b.learn(32);
      const out = Array.from(b.buffer.actions);
      await b.close();
      return out;
    };
    // A resume continues the saved stream: the same actions every time; without it, a stream
    // derived from the seed and the update, also the same every time, but another one.
    const saved = await actions(state);
    expect(await actions(state)).toEqual(saved);
    const { samplingRng: _, ...older } = state;
    const derived = await actions(older);
    expect(await actions(older)).toEqual(derived);
    expect(derived).not.toEqual(saved);
    await a.close();
  });
});

describe('V-trace targets of an off-policy source', () => {
  /** The agent's own envs, declared off-policy: the targets go through V-trace with the recomputed values. */
  class OffPolicyLocal extends LocalRollouts {
    override readonly offPolicy = true;
  }

  it.each([
    ['feed-forward', {}],
    ['GRU', { core: 'gru' as const, coreSize: 8 }],
  ])(
    '%s: on rollouts of the current weights, the recomputed values and log-probs are the behaviour’s and V-trace is GAE',
    async (_, network) => {
      const envs = new SyncVectorEnv((i) => new CueBandit(3, i), 3);
      const ppo = new PPO(new OffPolicyLocal(envs), { numEnvs: 3, numSteps: 7, seed: 5, network });
      ppo.update = 1;
      await (ppo as unknown as Internals).collectRollout();
      const b = ppo.buffer;
      const behaviour = Float32Array.from(b.values);
      (ppo as unknown as { computeTargets(): void }).computeTargets();
      for (let i = 0; i < b.size; i++) expect(b.values[i]).toBeCloseTo(behaviour[i]!, 5);
      const advantages = new Float32Array(b.size);
      const returns = new Float32Array(b.size);
      computeGae({ ...b, gamma: ppo.config.gamma, lambda: ppo.config.gaeLambda, values: behaviour }, advantages, returns);
      for (let i = 0; i < b.size; i++) {
        expect(b.returns[i]).toBeCloseTo(returns[i]!, 4);
      }
      const before = tf.memory().numTensors;
      await ppo.learn(3 * 7 * 4);
      expect(tf.memory().numTensors).toBe(before);
      await ppo.close();
    },
  );
});
