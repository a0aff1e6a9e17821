import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C } from '../../../agents/a2c.js';
import { AuxiliaryTasks, type AuxiliarySpec } from '../../../agents/common/auxiliary.js';
import type { AuxiliaryInputs } from '../../../agents/common/auxiliary.js';
import type { OnPolicyAgent } from '../../../agents/common/OnPolicyAgent.js';
import { RolloutBuffer } from '../../../agents/common/RolloutBuffer.js';
import type { UpdateRecord } from '../../../agents/common/callbacks.js';
import { PPO } from '../../../agents/ppo.js';
import { parseAgentConfig } from '../../../agents/registry.js';
import { Reinforce } from '../../../agents/reinforce.js';
import { UsageError } from '../../../src/core/errors.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import { initBackend } from '../../../src/nn/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src/runs/checkpoint.js';
import { CueMemory, FixedChain, TargetReach } from '../fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

const ALL: AuxiliarySpec[] = [
  { kind: 'inverseDynamics' },
  { kind: 'cpcA', steps: 3 },
  { kind: 'pathBearing' },
  { kind: 'atGoal' },
  { kind: 'stopAtGoal' },
];

type Internals = {
  collectRollout(): Promise<void>;
  computeTargets(): void;
  train(): Record<string, number>;
  evaluate(
    mb: ReturnType<RolloutBuffer['asMinibatch']>,
    seq: { envs: ArrayLike<number>; starts: Float32Array } | null,
  ): { auxiliary: AuxiliaryInputs | null };
};

describe('the pair plan of a minibatch', () => {
  // T = 4 steps × N = 2 envs; the observation of buffer row i is [i], so encoded rows can be read back.
  // Env 0 starts an episode at t = 2; env 1 runs through.
  const T = 4;
  const N = 2;
  const space = new Box(0, 100, [1]);
  const buffer = new RolloutBuffer(T, N, space, 1);
  for (let i = 0; i < T * N; i++) {
    (buffer.obs as Float32Array)[i] = i;
    buffer.actions[i] = i % 3;
  }
  buffer.starts[2 * N + 0] = 1;
  const OPTIONS = { observationSpace: space, actionSpace: new Discrete(3), featureSize: 4, beliefSize: 4, numSteps: T, seed: 1 };
  const tasks = (): AuxiliaryTasks => new AuxiliaryTasks([{ kind: 'cpcA', steps: 3 }], OPTIONS);

  it('whole sequences: successors are rows of the minibatch, and no pair crosses an episode start or the rollout end', () => {
    const aux = tasks();
    const plan = aux.plan(buffer.asMinibatch(), buffer);
    const B = T * N;
    expect(plan.rows).toBe(B); // nothing appended
    const m = (j: number, t: number, n: number): number => plan.mask[(j - 1) * B + t * N + n]!;
    const next = (j: number, t: number, n: number): number => plan.next[(j - 1) * B + t * N + n]!;
    // Env 0: t = 0 pairs with t = 1 only (t = 2 starts a new episode); t = 1 with nothing; t = 2 with t = 3.
    expect([1, 2, 3].map((j) => m(j, 0, 0))).toEqual([1, 0, 0]);
    expect([1, 2, 3].map((j) => m(j, 1, 0))).toEqual([0, 0, 0]);
    expect([1, 2, 3].map((j) => m(j, 2, 0))).toEqual([1, 0, 0]);
    expect([1, 2, 3].map((j) => m(j, 3, 0))).toEqual([0, 0, 0]);
    // Env 1: every successor inside the rollout.
    expect([1, 2, 3].map((j) => m(j, 0, 1))).toEqual([1, 1, 1]);
    expect([1, 2, 3].map((j) => m(j, 1, 1))).toEqual([1, 1, 0]);
    expect([1, 2, 3].map((j) => next(j, 0, 1))).toEqual([3, 5, 7]);
    // a_{t+j−1} along env 1 from t = 0: rows 1, 3, 5.
    expect([1, 2, 3].map((j) => plan.actions[(j - 1) * B + 1])).toEqual([1, 0, 2]);
    // Negatives are never the positive.
    for (let k = 0; k < 3 * B; k++) expect(plan.negatives[k]).not.toBe(plan.next[k]);
    aux.dispose();
  });

  it('losses by hand: zero heads give ln 3 per pair (inverse dynamics, 3 actions) and 2·ln 2 (CPC|A, score 0), averaged over valid pairs only', () => {
    const aux = new AuxiliaryTasks([{ kind: 'inverseDynamics' }, { kind: 'cpcA', steps: 3 }], OPTIONS);
    aux.setWeights(aux.getWeights().map((w) => new Float32Array(w.length)));
    const plan = aux.plan(buffer.asMinibatch(), buffer);
    const parts = tf.tidy(() => {
      const features = tf.randomNormal([plan.rows, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
      const { parts } = aux.loss({ plan, features, beliefs: features, logits: tf.zeros([plan.size, 3]) });
      return parts.map((p) => p.loss.dataSync()[0]!);
    });
    expect(parts[0]).toBeCloseTo(Math.log(3), 5);
    expect(parts[1]).toBeCloseTo(2 * Math.log(2), 5);
    aux.dispose();
  });

  it('path bearing by hand: a head that always says (1, 0) costs 2 − 2·cos β per row, averaged over rows whose bearing is known', () => {
    const bearings = [0, Math.PI / 2, Number.NaN, Math.PI, Math.PI / 3, Number.NaN, -Math.PI / 2, 0.25];
    buffer.pathBearings.set(bearings);
    const aux = new AuxiliaryTasks([{ kind: 'pathBearing' }], OPTIONS);
    // Zero weights but the output bias (the last array): the prediction is (1, 0) whatever the belief.
    const weights = aux.getWeights().map((w) => new Float32Array(w.length));
    weights[weights.length - 1]![0] = 1;
    aux.setWeights(weights);
    const plan = aux.plan(buffer.asMinibatch(), buffer);
    expect(Array.from(plan.bearingMask)).toEqual([1, 1, 0, 1, 1, 0, 1, 1]);
    const loss = tf.tidy(() => {
      const beliefs = tf.randomNormal([plan.rows, 4], 0, 1, 'float32', 3) as tf.Tensor2D;
      return aux.loss({ plan, features: beliefs, beliefs, logits: tf.zeros([plan.size, 3]) }).parts[0]!.loss.dataSync()[0]!;
    });
    const known = bearings.filter(Number.isFinite);
    expect(loss).toBeCloseTo(known.reduce((s, b) => s + 2 - 2 * Math.cos(b), 0) / known.length, 5);
    // It reads only the row itself: single rows need no successors.
    expect(aux.horizon).toBe(0);
    const mb = buffer.allocateMinibatch(2);
    buffer.gather([6, 1], mb);
    const single = aux.plan(mb, buffer);
    expect(single.rows).toBe(2);
    // Row 6 at −π/2, row 1 at +π/2, as (cos, sin).
    expect(Array.from(single.bearings).map((v) => Math.round(v * 1e6) / 1e6 + 0)).toEqual([0, -1, 0, 1]);
    buffer.pathBearings.fill(Number.NaN);
    aux.dispose();
  });

  it('at goal by hand: a head whose logit is always s costs softplus(s) − y·s per row, averaged over rows whose label is known', () => {
    const labels = [1, 0, Number.NaN, 0, 1, Number.NaN, 0, 0];
    buffer.atGoals.set(labels);
    const aux = new AuxiliaryTasks([{ kind: 'atGoal' }], OPTIONS);
    // Zero weights but the output bias: the logit is s whatever the belief.
    const s = 0.5;
    const weights = aux.getWeights().map((w) => new Float32Array(w.length));
    weights[weights.length - 1]![0] = s;
    aux.setWeights(weights);
    const plan = aux.plan(buffer.asMinibatch(), buffer);
    expect(Array.from(plan.atGoalMask)).toEqual([1, 1, 0, 1, 1, 0, 1, 1]);
    const loss = tf.tidy(() => {
      const beliefs = tf.randomNormal([plan.rows, 4], 0, 1, 'float32', 3) as tf.Tensor2D;
      return aux.loss({ plan, features: beliefs, beliefs, logits: tf.zeros([plan.size, 3]) }).parts[0]!.loss.dataSync()[0]!;
    });
    const known = labels.filter(Number.isFinite);
    const softplus = Math.log1p(Math.exp(s));
    expect(loss).toBeCloseTo(known.reduce((sum, y) => sum + softplus - y * s, 0) / known.length, 5);
    expect(aux.horizon).toBe(0);
    buffer.atGoals.fill(Number.NaN);
    aux.dispose();
  });

  it('stop at goal by hand: −[y·log π(STOP) + (1 − y)·log(1 − π(STOP))] of the policy logits, over rows whose label is known', () => {
    const labels = [1, 0, Number.NaN, 0, 1, Number.NaN, 0, 1];
    buffer.atGoals.set(labels);
    const stop = 2;
    const aux = new AuxiliaryTasks([{ kind: 'stopAtGoal', action: stop }], OPTIONS);
    expect(aux.variables()).toEqual([]);
    const plan = aux.plan(buffer.asMinibatch(), buffer);
    const logits = Array.from({ length: plan.size }, (_, b) => [0.3 * b, -1 + b, 2 - 0.5 * b]);
    const { loss, gradStop } = tf.tidy(() => {
      const x = tf.tensor2d(logits);
      const f = (t: tf.Tensor): tf.Scalar => {
        const l = t as tf.Tensor2D;
        return aux.loss({ plan, features: l, beliefs: l, logits: l }).total;
      };
      const grad = tf.grad(f)(x);
      return { loss: f(x).dataSync()[0]! / 0.1, gradStop: Array.from(tf.slice(grad, [0, stop], [-1, 1]).dataSync()) };
    });
    let expected = 0;
    const known = labels.filter(Number.isFinite).length;
    labels.forEach((y, b) => {
      if (!Number.isFinite(y)) return;
      const row = logits[b]!;
      const p = Math.exp(row[stop]!) / row.reduce((s, v) => s + Math.exp(v), 0);
      expected -= (y * Math.log(p) + (1 - y) * Math.log(1 - p)) / known;
    });
    expect(loss).toBeCloseTo(expected, 5);
    // The gradient raises STOP's logit where STOP would succeed and lowers it elsewhere; rows without a label get none.
    labels.forEach((y, b) => {
      if (!Number.isFinite(y)) expect(Math.abs(gradStop[b]!)).toBe(0);
      else if (y === 1) expect(gradStop[b]).toBeLessThan(0);
      else expect(gradStop[b]).toBeGreaterThan(0);
    });
    expect(() => new AuxiliaryTasks([{ kind: 'stopAtGoal', action: 3 }], OPTIONS)).toThrow(
      /stopAtGoal\.action 3 is not an action of Discrete\(3\)/,
    );
    buffer.atGoals.fill(Number.NaN);
    aux.dispose();
  });

  it('CPC|A predicts at most T − 1 steps ahead', () => {
    const horizon = (specs: AuxiliarySpec[], numSteps: number): number => {
      const aux = new AuxiliaryTasks(specs, { ...OPTIONS, numSteps });
      aux.dispose();
      return aux.horizon;
    };
    expect(horizon([{ kind: 'cpcA', steps: 8 }], T)).toBe(T - 1);
    expect(horizon([{ kind: 'cpcA', steps: 2 }], T)).toBe(2);
    expect(horizon([{ kind: 'cpcA', steps: 8 }], 1)).toBe(1);
    expect(horizon([{ kind: 'inverseDynamics' }], T)).toBe(1);
  });

  it('single rows: the missing successors are appended once each, with their observations', () => {
    const aux = tasks();
    const mb = buffer.allocateMinibatch(2);
    buffer.gather([1, 3], mb); // env 1 at t = 0 and t = 1
    const plan = aux.plan(mb, buffer);
    // Successors of row 1: rows 3 (in the minibatch), 5, 7; of row 3: rows 5, 7.
    expect(plan.rows).toBe(4);
    expect(Array.from(plan.observations as Float32Array).slice(0, 4)).toEqual([1, 3, 5, 7]);
    expect(Array.from(plan.next)).toEqual([1, 2, 2, 3, 3, 1]);
    expect(Array.from(plan.mask)).toEqual([1, 1, 1, 1, 1, 0]);
    // Env 1 at t = 0, 1, 2: only row 7 is missing; the batch is padded with zero rows to 2·B = 6, which are never negatives.
    const three = buffer.allocateMinibatch(3);
    buffer.gather([1, 3, 5], three);
    const padded = aux.plan(three, buffer);
    expect(padded.rows).toBe(6);
    expect(Array.from(padded.observations as Float32Array).slice(0, 6)).toEqual([1, 3, 5, 7, 0, 0]);
    for (const n of padded.negatives) expect(n).toBeLessThan(4);
    aux.dispose();
  });
});

describe('auxiliary losses in the update', () => {
  it.each([
    ['feed-forward', { core: 'none' as const }],
    ['GRU core', { core: 'gru' as const, coreSize: 8 }],
  ])(
    'the heads, the encoder and the core get gradients from the auxiliary losses (%s)',
    async (_, network) => {
      for (const spec of ALL) {
        const agent = new A2C(() => new CueMemory(2), { numEnvs: 2, numSteps: 6, network, auxiliary: [spec] });
        const inner = agent as unknown as Internals;
        await inner.collectRollout();
        const mb = agent.buffer.asMinibatch();
        const starts = Float32Array.from(agent.buffer.starts);
        const heads = new Set(agent.auxiliary.variables().map((v) => v.name));
        const names = (model: tf.LayersModel | undefined): Set<string> =>
          new Set(model?.trainableWeights.map((w) => (w.read() as tf.Variable).name) ?? []);
        const encoder = names(agent.network.encoder);
        const core = names(agent.network.core?.model);
        const vars = [...agent.network.variables(), ...agent.auxiliary.variables()];
        const { value, grads } = tf.variableGrads(() => {
          const { auxiliary } = inner.evaluate(mb, { envs: [0, 1], starts });
          return agent.auxiliary.loss(auxiliary!).total;
        }, vars);
        const norm = (names: Set<string>): number =>
          Object.entries(grads)
            .filter(([name]) => names.has(name))
            .reduce((s, [, g]) => s + tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]!), 0);
        expect(value.dataSync()[0]).toBeGreaterThan(0);
        // stopAtGoal has no head of its own: it trains the policy head.
        expect(norm(spec.kind === 'stopAtGoal' ? names(agent.network.head) : heads)).toBeGreaterThan(0);
        expect(norm(encoder)).toBeGreaterThan(0);
        // CPC|A's queries start from the core's output and the privileged losses read it, so they train the core; inverse dynamics reads the encoder only.
        if (spec.kind !== 'inverseDynamics' && network.core === 'gru') expect(norm(core)).toBeGreaterThan(0);
        tf.dispose([value, ...Object.values(grads)]);
        await agent.close();
      }
    },
    60_000,
  );

  it('acting is unchanged: the network init and the first rollout are those of a run without auxiliary losses', async () => {
    const config = { numEnvs: 2, numSteps: 8, seed: 4, network: { core: 'gru' as const, coreSize: 8 } };
    const off = new PPO(() => new CueMemory(2), config);
    const on = new PPO(() => new CueMemory(2), { ...config, auxiliary: ALL });
    expect(on.network.getWeights()).toEqual(off.network.getWeights());
    await (off as unknown as Internals).collectRollout();
    await (on as unknown as Internals).collectRollout();
    expect(on.buffer.actions).toEqual(off.buffer.actions);
    expect(on.buffer.logprobs).toEqual(off.buffer.logprobs);
    await off.close();
    await on.close();
  });

  it.each([
    [
      'ppo feed-forward',
      (): OnPolicyAgent => new PPO(() => new CueMemory(2), { numEnvs: 2, numSteps: 8, numMinibatches: 4, auxiliary: ALL }),
    ],
    [
      'ppo GRU',
      (): OnPolicyAgent =>
        new PPO(() => new CueMemory(2), {
          numEnvs: 2,
          numSteps: 8,
          numMinibatches: 2,
          network: { core: 'gru', coreSize: 8 },
          auxiliary: ALL,
        }),
    ],
    ['a2c', (): OnPolicyAgent => new A2C(() => new CueMemory(2), { numEnvs: 2, numSteps: 8, auxiliary: ALL })],
    ['reinforce', (): OnPolicyAgent => new Reinforce(() => new CueMemory(2), { numEnvs: 2, numSteps: 8, auxiliary: ALL })],
  ])(
    '%s: each update records the losses per kind, and the live tensor count stays flat',
    async (_, build) => {
      const agent = build();
      const records: UpdateRecord[] = [];
      await agent.learn(16 * 6, { callbacks: [{ onUpdate: (r) => void records.push(r) }] });
      expect(records).toHaveLength(6);
      for (const r of records) {
        expect(r.auxInverseDynamics).toBeGreaterThan(0);
        expect(r.auxCpcA).toBeGreaterThan(0);
        expect(r.auxPathBearing).toBeGreaterThan(0);
        expect(r.auxStopAtGoal).toBeGreaterThan(0);
      }
      expect(new Set(records.slice(1).map((r) => r.numTensors)).size).toBe(1);
      await agent.close();
    },
    60_000,
  );

  it('without auxiliary losses the record has no auxiliary figures', async () => {
    const agent = new A2C(() => new CueMemory(2), { numEnvs: 2, numSteps: 4 });
    const last = await agent.learn(8);
    expect(Object.keys(last!).filter((k) => k.startsWith('aux'))).toEqual([]);
    await agent.close();
  });
});

describe('checkpoints with auxiliary heads', () => {
  // FixedChain episodes last 4 steps and rollouts 8, so a resumed run sees the observations of an uninterrupted one.
  it.each([
    ['feed-forward', {}],
    ['GRU core', { core: 'gru' as const, coreSize: 8 }],
  ])(
    'resume gives the same next update as an uninterrupted run (%s)',
    async (_, network) => {
      const config = { numEnvs: 2, numSteps: 8, numMinibatches: 2, learningRate: 0.01, network, auxiliary: ALL };
      const dir = mkdtempSync(path.join(tmpdir(), 'robonav-aux-'));
      const a = new PPO(() => new FixedChain(4), config);
      await a.learn(16);
      await saveCheckpoint(dir, a);
      const expected = await a.learn(48);
      const b = new PPO(() => new FixedChain(4), config);
      b.setState((await loadCheckpoint(dir)).state);
      const resumed = await b.learn(48);
      expect(resumed!.auxInverseDynamics).toBe(expected!.auxInverseDynamics);
      expect(resumed!.auxCpcA).toBe(expected!.auxCpcA);
      expect(resumed!.auxPathBearing).toBe(expected!.auxPathBearing);
      expect(b.network.getWeights()).toEqual(a.network.getWeights());
      expect(b.auxiliary.getWeights()).toEqual(a.auxiliary.getWeights());
      expect(b.optimizer.getState()).toEqual(a.optimizer.getState());
      await a.close();
      await b.close();
    },
    60_000,
  );

  it('the heads stay out of the saved policy, and a checkpoint without them does not load into an agent with them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'robonav-aux-'));
    const plain = new PPO(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    const withAux = new PPO(() => new FixedChain(4), { numEnvs: 1, numSteps: 4, auxiliary: ALL });
    await saveCheckpoint(dir, withAux);
    const checkpoint = await loadCheckpoint(dir);
    const policy = JSON.parse(readFileSync(path.join(checkpoint.dir, 'policy', 'model.json'), 'utf8')) as {
      weightsManifest: Array<{ weights: unknown[] }>;
    };
    const policyWeights = policy.weightsManifest.flatMap((m) => m.weights).length;
    expect(policyWeights).toBe(plain.network.getWeights().length);
    expect(checkpoint.state.auxiliaryWeights).toHaveLength(withAux.auxiliary.getWeights().length);
    expect(() => plain.setState(checkpoint.state)).toThrow(/with auxiliary losses/);
    await saveCheckpoint(dir, plain);
    const old = await loadCheckpoint(dir);
    expect(old.state.auxiliaryWeights).toBeUndefined();
    // Without auxiliary losses, state.json is what it was before they existed.
    expect(JSON.parse(readFileSync(path.join(old.dir, 'state.json'), 'utf8'))).not.toHaveProperty('auxiliaryLengths');
    expect(() => withAux.setState(old.state)).toThrow(/without auxiliary losses/);
    await plain.close();
    await withAux.close();
  });
});

describe('bad auxiliary configs', () => {
  it.each([
    [[{ kind: 'reward' }], /cfg\.json: auxiliary\[0\]\.kind: .*inverseDynamics.*cpcA.*pathBearing.*atGoal.*stopAtGoal/],
    [[{ kind: 'stopAtGoal', action: -1 }], /cfg\.json: auxiliary\[0\]\.action/],
    [[{ kind: 'pathBearing', steps: 4 }], /cfg\.json: auxiliary\[0\]/],
    [[{ kind: 'inverseDynamics', coef: -0.1 }], /cfg\.json: auxiliary\[0\]\.coef/],
    [[{ kind: 'cpcA', steps: 0 }], /cfg\.json: auxiliary\[0\]\.steps/],
    [[{ kind: 'cpcA', horizon: 4 }], /cfg\.json: auxiliary\[0\]/],
    [[{ kind: 'cpcA' }, { kind: 'cpcA' }], /cfg\.json: auxiliary: each kind at most once/],
  ])('%j is a one-line UsageError naming the field', (auxiliary, message) => {
    for (const agent of ['ppo', 'a2c', 'reinforce'] as const) {
      expect(() => parseAgentConfig(agent, { auxiliary }, 'cfg.json')).toThrow(UsageError);
      try {
        parseAgentConfig(agent, { auxiliary }, 'cfg.json');
      } catch (err) {
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message).not.toContain('\n');
      }
    }
  });

  it('valid lists pass unchanged', () => {
    const auxiliary = [
      { kind: 'inverseDynamics', coef: 0.2 },
      { kind: 'cpcA', steps: 4 },
      { kind: 'pathBearing', coef: 0.5 },
      { kind: 'atGoal', coef: 0.5 },
      { kind: 'stopAtGoal', action: 0, coef: 1 },
    ];
    expect(parseAgentConfig('ppo', { auxiliary }, 'cfg.json')).toEqual({ auxiliary });
  });

  it('the agent refuses Box actions, bad values and duplicates with a one-line UsageError', () => {
    expect(() => new PPO(() => new TargetReach(), { numEnvs: 1, numSteps: 4, auxiliary: [{ kind: 'inverseDynamics' }] })).toThrow(
      /^auxiliary: inverseDynamics needs a Discrete action space, the env's is box$/,
    );
    const bad: Array<[unknown, RegExp]> = [
      [[{ kind: 'reward' }], /unknown kind "reward" \(inverseDynamics, cpcA, pathBearing, atGoal, stopAtGoal\)/],
      [[{ kind: 'stopAtGoal', action: 0.5 }], /stopAtGoal\.action must be an integer ≥ 0/],
      [[{ kind: 'inverseDynamics', coef: -1 }], /inverseDynamics\.coef must be a finite number ≥ 0/],
      [[{ kind: 'cpcA', steps: 1.5 }], /cpcA\.steps must be an integer ≥ 1/],
      [[{ kind: 'inverseDynamics' }, { kind: 'inverseDynamics' }], /"inverseDynamics" is listed twice/],
    ];
    for (const [auxiliary, message] of bad) {
      const build = (): PPO => new PPO(() => new FixedChain(4), { numEnvs: 1, numSteps: 4, auxiliary: auxiliary as AuxiliarySpec[] });
      expect(build).toThrow(UsageError);
      expect(build).toThrow(message);
    }
  });
});
