import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { A2C } from '../../agents/a2c.js';
import { PPO } from '../../agents/ppo.js';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { initBackend } from '../../src/nn/backend.js';
import { loadCheckpoint, loadSavedPolicy, resolvePolicyDir, saveCheckpoint } from '../../src/runs/checkpoint.js';
import { loadPolicy } from '../../src/eval/policies.js';
import { FileFormatError } from '../../src/core/errors.js';
import { FixedChain, TargetReach } from '../agents/fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'robonav-ckpt-'));

describe('checkpoints', () => {
  // FixedChain episodes last 4 steps and rollouts 8, so every update starts at an episode boundary
  // and a resumed run (whose envs restart) sees exactly the observations of an uninterrupted one.
  it.each([
    ['feed-forward', {}],
    ['GRU core', { core: 'gru' as const, coreSize: 8 }],
  ])('resume gives the same next update as an uninterrupted run (%s)', async (_, network) => {
    const config = { numEnvs: 2, numSteps: 8, numMinibatches: 2, learningRate: 0.01, annealLr: true, network };
    const dir = tmp();
    const a = new PPO(() => new FixedChain(4), config);
    await a.learn(16);
    await saveCheckpoint(dir, a, { env: 'FixedChain' });
    await a.learn(48);
    const b = new PPO(() => new FixedChain(4), config);
    const { state, meta } = await loadCheckpoint(dir);
    expect(meta).toEqual({ env: 'FixedChain' });
    b.setState(state);
    expect(b.globalStep).toBe(16);
    await b.learn(48);
    expect(b.update).toBe(3);
    expect(b.network.getWeights()).toEqual(a.network.getWeights());
    expect(b.optimizer.getState()).toEqual(a.optimizer.getState());
    expect(b.rng.getState()).toEqual(a.rng.getState());
    await a.close();
    await b.close();
  });

  it('keeps only the latest checkpoint and points checkpoint.json at it', async () => {
    const dir = tmp();
    const agent = new A2C(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    await agent.learn(4);
    await saveCheckpoint(dir, agent);
    await agent.learn(8);
    await saveCheckpoint(dir, agent);
    expect(readdirSync(path.join(dir, 'checkpoints'))).toEqual(['000002']);
    expect(JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8'))).toMatchObject({
      dir: path.join('checkpoints', '000002'),
      step: 8,
      update: 2,
    });
    expect(existsSync(path.join(dir, 'checkpoints', '000002', 'policy', 'model.json'))).toBe(true);
    await agent.close();
  });

  // A finished run resumed saves its last update again: until the new copy is complete, the one
  // the pointer names must stay whole, whatever stops the save half-way.
  it('saving the same update again keeps a loadable checkpoint, even when the second save fails half-way', async () => {
    const dir = tmp();
    const agent = new A2C(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    await agent.learn(8);
    await saveCheckpoint(dir, agent);
    await saveCheckpoint(dir, agent);
    expect(readdirSync(path.join(dir, 'checkpoints'))).toHaveLength(1);
    expect((await loadCheckpoint(dir)).state).toMatchObject({ step: 8, update: 2 });

    const weights = agent.network.getWeights();
    vi.spyOn(agent.network, 'toLayersModel').mockImplementation(() => {
      throw new Error('no space left on device');
    });
    await expect(saveCheckpoint(dir, agent)).rejects.toThrow(/no space left/);
    const { state } = await loadCheckpoint(dir);
    expect(state).toMatchObject({ step: 8, update: 2 });
    expect(state.weights).toEqual(weights);
    const policy = await loadSavedPolicy(dir);
    expect(policy.info.step).toBe(8);
    policy.model.dispose();
    vi.restoreAllMocks();
    await agent.close();
  });

  it('a saved Gaussian policy acts like the network (the mean, clipped to the bounds)', async () => {
    const dir = tmp();
    const agent = new PPO((i) => new TargetReach(i), { numEnvs: 2, numSteps: 4 });
    await agent.learn(8);
    await saveCheckpoint(dir, agent);
    const policy = await TrainedPolicy.load(await resolvePolicyDir(dir));
    const obs = new Float32Array([0.3]);
    const expected = tf.tidy(() => agent.network.step(agent.network.obsTensors(obs, 0, 1)).params.dataSync()[0]!);
    const action = policy.act(obs) as Float32Array;
    expect(action[0]).toBeCloseTo(Math.max(-2, Math.min(2, expected)), 6);
    policy.checkEnv(new TargetReach());
    expect(() => policy.checkEnv(new FixedChain(4) as never)).toThrow(/trained on/);
    policy.dispose();
    await agent.close();
  });

  it('the eval loader takes the most likely action by default and samples, seeded, with stochastic', async () => {
    const dir = tmp();
    // Freshly initialised: a policy head with gain 0.01 gives near-uniform action probabilities.
    const agent = new PPO(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    await saveCheckpoint(dir, agent);
    const obs = new Float32Array([1, 0, 0, 0]);
    const actions = async (stochastic: boolean, seed: number): Promise<number[]> => {
      const env = new FixedChain(4) as never;
      const policy = await loadPolicy(dir, { env, seed, stochastic });
      const out = Array.from({ length: 40 }, () => Number(policy.act(obs, env)));
      policy.dispose?.();
      return out;
    };
    expect(new Set(await actions(false, 1)).size).toBe(1);
    const sampled = await actions(true, 1);
    expect(new Set(sampled).size).toBeGreaterThan(1);
    expect(await actions(true, 1)).toEqual(sampled);
    await agent.close();
  });

  it('a recurrent saved policy carries its state between steps and clears it on reset', async () => {
    const dir = tmp();
    const agent = new PPO(() => new FixedChain(4), { numEnvs: 1, numSteps: 4, network: { core: 'lstm', coreSize: 4 } });
    await agent.learn(4);
    await saveCheckpoint(dir, agent);
    const policy = await TrainedPolicy.load(await resolvePolicyDir(dir));
    const before = tf.memory().numTensors;
    const obs = new Float32Array([1, 0, 0, 0]);
    const first = [0, 1, 2].map(() => policy.act(obs));
    policy.reset();
    const second = [0, 1, 2].map(() => policy.act(obs));
    expect(second).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
    await agent.close();
  });

  it('a corrupt or missing checkpoint is an error naming the file', async () => {
    const dir = tmp();
    await expect(loadCheckpoint(dir)).rejects.toThrow(/checkpoint\.json: missing/);
    const agent = new A2C(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    await agent.learn(4);
    const ckpt = await saveCheckpoint(dir, agent);
    writeFileSync(path.join(ckpt, 'state.json.bak'), readFileSync(path.join(ckpt, 'state.json')));
    writeFileSync(path.join(ckpt, 'state.bin'), new Uint8Array(12));
    await expect(loadCheckpoint(dir)).rejects.toThrow(FileFormatError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/state\.bin: has 12 bytes/);
    writeFileSync(path.join(ckpt, 'state.json'), '{');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/state\.json: not valid JSON/);
    // A field missing from a state.json that parses: named, not a TypeError further on.
    const state = JSON.parse(readFileSync(path.join(ckpt, 'state.json.bak'), 'utf8')) as Record<string, unknown>;
    delete state.slotLengths;
    writeFileSync(path.join(ckpt, 'state.json'), JSON.stringify(state));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/state\.json: slotLengths: /);
    writeFileSync(path.join(dir, 'checkpoint.json'), '{"version":1,"step":4,"update":1}');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/checkpoint\.json: dir: /);
    await expect(resolvePolicyDir(tmp())).rejects.toThrow(/not a run, checkpoint or policy directory/);
    await expect(TrainedPolicy.load(tmp())).rejects.toThrow(/policy\.json: missing/);
    await agent.close();
  });

  it('refuses a checkpoint of another agent', async () => {
    const dir = tmp();
    const a2c = new A2C(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    await a2c.learn(4);
    await saveCheckpoint(dir, a2c);
    const ppo = new PPO(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    const { state } = await loadCheckpoint(dir);
    expect(() => ppo.setState(state)).toThrow(/agent "a2c", not "ppo"/);
    await a2c.close();
    await ppo.close();
  });
});
