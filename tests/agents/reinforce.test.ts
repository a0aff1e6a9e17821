import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { Reinforce } from '../../agents/reinforce.js';
import { CueBandit, CueMemory } from './fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

describe('REINFORCE', () => {
  it.each([true, false])('learns a 3-way contextual bandit far beyond random (baseline %s)', async (baseline) => {
    const agent = new Reinforce((i) => new CueBandit(3, i), { numEnvs: 4, numSteps: 16, learningRate: 3e-3, baseline });
    const last = await agent.learn(1500);
    // Mean of the last 100 episodes, many from early in learning.
    expect(last!.episodeReturn).toBeGreaterThan(0.75);
    await agent.close();
  });

  it('uses Monte-Carlo returns and leaves out steps whose episode has not ended', async () => {
    // Episodes of CueMemory(2) last 3 steps with reward only at the end; a rollout of 4 steps holds
    // one whole episode (t 0..2) and the first step of the next (t 3, no return yet).
    const agent = new Reinforce((i) => new CueMemory(2, i), { numEnvs: 1, numSteps: 4, gamma: 0.5, normReturns: false, baseline: false });
    await agent.learn(4);
    const b = agent.buffer;
    const r = b.rewards[2]!;
    // G_2 = r, G_1 = 0.5·r, G_0 = 0.25·r.
    expect(Array.from(b.returns.subarray(0, 3))).toEqual([0.25 * r, 0.5 * r, r]);
    expect(Array.from(b.advantages)).toEqual([0.25 * r, 0.5 * r, r, 0]);
    expect(agent.update).toBe(1);
    await agent.close();
  });
});
