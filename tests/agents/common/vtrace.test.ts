import { describe, expect, it } from 'vitest';
import { computeGae } from '../../../agents/common/gae.js';
import { computeVtrace, type VtraceInput } from '../../../agents/common/vtrace.js';
import { Rng } from '../../../src/core/Rng.js';

/**
 * V-trace straight from its definition (IMPALA eq. 1), one target at a time in float64:
 * v_s = V(s_s) + Σ_{t=s}^{e} γ^{t−s} (Π_{i=s}^{t−1} c_i) δ_t, e the first episode end at or after s
 * (or the last step), and A_s = ρ̂_s·(r_s + γ·v_next − V(s_s)).
 */
function naiveVtrace(input: VtraceInput): { vs: number[]; advantages: number[] } {
  const { numSteps: T, numEnvs: N, gamma, lambda, rhoBar, cBar } = input;
  const rho = (i: number): number => Math.exp(input.logRhos[i]!);
  const ended = (i: number): boolean => input.terminated[i] === 1 || input.truncated[i] === 1;
  /** V of the observation after step t of env n, as the bootstrap of δ_t. */
  const nextValue = (t: number, n: number): number => {
    const i = t * N + n;
    if (input.terminated[i]) return 0;
    if (input.truncated[i]) return input.finalValues[i]!;
    return t === T - 1 ? input.lastValues[n]! : input.values[i + N]!;
  };
  const delta = (t: number, n: number): number => {
    const i = t * N + n;
    return Math.min(rhoBar, rho(i)) * (input.rewards[i]! + gamma * nextValue(t, n) - input.values[i]!);
  };
  const vs = new Array<number>(T * N);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < T; s++) {
      let sum = 0;
      let weight = 1; // γ^{t−s} Π_{i=s}^{t−1} c_i
      for (let t = s; t < T; t++) {
        sum += weight * delta(t, n);
        if (ended(t * N + n)) break;
        weight *= gamma * lambda * Math.min(cBar, rho(t * N + n));
      }
      vs[s * N + n] = input.values[s * N + n]! + sum;
    }
  }
  const advantages = new Array<number>(T * N);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < T; s++) {
      const i = s * N + n;
      const next = ended(i) || s === T - 1 ? nextValue(s, n) : vs[i + N]!;
      advantages[i] = Math.min(rhoBar, rho(i)) * (input.rewards[i]! + gamma * next - input.values[i]!);
    }
  }
  return { vs, advantages };
}

/** A random [T, N] rollout with terminations and truncations (never both on one step). */
function randomInput(seed: number, T: number, N: number, extra: Partial<VtraceInput> = {}): VtraceInput {
  const rng = new Rng(seed);
  const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  const terminated = new Uint8Array(T * N);
  const truncated = new Uint8Array(T * N);
  for (let i = 0; i < T * N; i++) {
    const u = rng.random();
    if (u < 0.1) terminated[i] = 1;
    else if (u < 0.2) truncated[i] = 1;
  }
  return {
    numSteps: T,
    numEnvs: N,
    gamma: 0.97,
    lambda: 0.9,
    rhoBar: 1,
    cBar: 1,
    rewards: floats(T * N),
    values: floats(T * N),
    terminated,
    truncated,
    finalValues: floats(T * N),
    lastValues: floats(N),
    logRhos: Float32Array.from({ length: T * N }, () => 0.7 * rng.normal()),
    ...extra,
  };
}

function run(input: VtraceInput): { vs: Float32Array; advantages: Float32Array } {
  const vs = new Float32Array(input.numSteps * input.numEnvs);
  const advantages = new Float32Array(input.numSteps * input.numEnvs);
  computeVtrace(input, vs, advantages);
  return { vs, advantages };
}

describe('computeVtrace', () => {
  it('matches the definition on random rollouts with terminations, truncations and clipping', () => {
    const settings: Array<Partial<VtraceInput>> = [
      {},
      { rhoBar: 1, cBar: 0.8, lambda: 1 },
      { rhoBar: 2, cBar: 1.5, lambda: 0.5, gamma: 0.9 },
      { rhoBar: 0.5, cBar: 0.5, lambda: 0 },
    ];
    settings.forEach((extra, k) => {
      const input = randomInput(10 + k, 17, 5, extra);
      const got = run(input);
      const want = naiveVtrace(input);
      for (let i = 0; i < 17 * 5; i++) {
        expect(got.vs[i]).toBeCloseTo(want.vs[i]!, 4);
        expect(got.advantages[i]).toBeCloseTo(want.advantages[i]!, 4);
      }
    });
  });

  it('gives GAE(λ) returns on-policy (log ρ = 0, ρ̄ = c̄ = 1)', () => {
    for (const lambda of [0, 0.5, 0.95, 1]) {
      const input = randomInput(20, 32, 3, { lambda, logRhos: new Float32Array(32 * 3) });
      const { vs } = run(input);
      const gaeAdvantages = new Float32Array(32 * 3);
      const returns = new Float32Array(32 * 3);
      computeGae(input, gaeAdvantages, returns);
      for (let i = 0; i < vs.length; i++) expect(vs[i]).toBeCloseTo(returns[i]!, 5);
    }
  });

  it('clips ρ at ρ̄ in δ and the advantages, and at c̄ in the trace (hand-computed, T = 2)', () => {
    // r = [1, 2], V = [0.5, 1], V(s_2) = 2, γ = 0.5, ρ = [2, 0.25], ρ̄ = 1, c̄ = 0.5.
    const base = {
      numSteps: 2,
      numEnvs: 1,
      gamma: 0.5,
      rhoBar: 1,
      cBar: 0.5,
      rewards: new Float32Array([1, 2]),
      values: new Float32Array([0.5, 1]),
      terminated: new Uint8Array(2),
      truncated: new Uint8Array(2),
      finalValues: new Float32Array(2),
      lastValues: new Float32Array([2]),
      logRhos: new Float32Array([Math.log(2), Math.log(0.25)]),
    };
    // ρ̂ = [min(1, 2), min(1, 0.25)] = [1, 0.25]; with λ = 1, c = [min(0.5, 2), min(0.5, 0.25)] = [0.5, 0.25].
    // t=1: δ = 0.25·(2 + 0.5·2 − 1) = 0.5                 v_1 = 1 + 0.5 = 1.5
    // t=0: δ = 1·(1 + 0.5·1 − 0.5) = 1                     v_0 = 0.5 + 1 + 0.5·0.5·(1.5 − 1) = 1.625
    // A_1 = 0.25·(2 + 0.5·2 − 1) = 0.5,                   A_0 = 1·(1 + 0.5·1.5 − 0.5) = 1.25
    const full = run({ ...base, lambda: 1 });
    expect(Array.from(full.vs)).toEqual([1.625, 1.5]);
    expect(Array.from(full.advantages)).toEqual([1.25, 0.5]);
    // λ = 0.5 halves c_0 to 0.25:                          v_0 = 1.5 + 0.5·0.25·0.5 = 1.5625
    const cut = run({ ...base, lambda: 0.5 });
    expect(Array.from(cut.vs)).toEqual([1.5625, 1.5]);
    expect(Array.from(cut.advantages)).toEqual([1.25, 0.5]);
  });

  it('stops the trace at episode ends: no bootstrap after a termination, V(final obs) after a truncation', () => {
    // T = 2, γ = 0.5, on-policy; step 0 ends the episode, so v_0 does not see step 1.
    const base = {
      numSteps: 2,
      numEnvs: 1,
      gamma: 0.5,
      lambda: 1,
      rhoBar: 1,
      cBar: 1,
      rewards: new Float32Array([1, 2]),
      values: new Float32Array([0.5, 1]),
      finalValues: new Float32Array([4, 0]),
      lastValues: new Float32Array([2]),
      logRhos: new Float32Array(2),
    };
    // Terminated: v_0 = 0.5 + (1 + 0 − 0.5) = 1, A_0 = 1 − 0.5 = 0.5.
    const ended = run({ ...base, terminated: new Uint8Array([1, 0]), truncated: new Uint8Array(2) });
    expect(ended.vs[0]).toBe(1);
    expect(ended.advantages[0]).toBe(0.5);
    // Truncated with V(final obs) = 4: v_0 = 0.5 + (1 + 0.5·4 − 0.5) = 3, A_0 = 2.5.
    const cut = run({ ...base, terminated: new Uint8Array(2), truncated: new Uint8Array([1, 0]) });
    expect(cut.vs[0]).toBe(3);
    expect(cut.advantages[0]).toBe(2.5);
    // Both flags: termination wins, as in computeGae.
    expect(run({ ...base, terminated: new Uint8Array([1, 0]), truncated: new Uint8Array([1, 0]) }).vs[0]).toBe(1);
  });

  it('refuses output arrays that are too short', () => {
    const input = randomInput(30, 3, 2);
    expect(() => computeVtrace(input, new Float32Array(5), new Float32Array(6))).toThrow(/need 6/);
  });
});
