import { describe, expect, it } from 'vitest';
import { computeGae } from '../../../agents/common/gae.js';

/** T = 3 steps, γ = 0.5, λ = 0.5, rewards [1, 2, 3], values [0.5, 1, 1.5], V(s_3) = 2. */
const base = { numSteps: 3, gamma: 0.5, lambda: 0.5 };

describe('computeGae', () => {
  it('matches a hand-computed example without episode ends', () => {
    const adv = new Float32Array(3);
    const ret = new Float32Array(3);
    computeGae(
      {
        ...base,
        numEnvs: 1,
        rewards: new Float32Array([1, 2, 3]),
        values: new Float32Array([0.5, 1, 1.5]),
        terminated: new Uint8Array(3),
        truncated: new Uint8Array(3),
        finalValues: new Float32Array(3),
        lastValues: new Float32Array([2]),
      },
      adv,
      ret,
    );
    // t=2: δ = 3 + 0.5·2 − 1.5 = 2.5                       A = 2.5
    // t=1: δ = 2 + 0.5·1.5 − 1 = 1.75                      A = 1.75 + 0.25·2.5 = 2.375
    // t=0: δ = 1 + 0.5·1 − 0.5 = 1                         A = 1 + 0.25·2.375 = 1.59375
    expect(Array.from(adv)).toEqual([1.59375, 2.375, 2.5]);
    // R = A + V
    expect(Array.from(ret)).toEqual([2.09375, 3.375, 4]);
  });

  it('does not bootstrap a termination but bootstraps a truncation from V(final obs)', () => {
    // Two envs, time-major (index t·2 + n). Env 0 terminates at t=1, env 1 truncates at t=1 with
    // V(final obs) = 4. Both see the same rewards and values otherwise.
    const rewards = new Float32Array([1, 1, 2, 2, 3, 3]);
    const values = new Float32Array([0.5, 0.5, 1, 1, 1.5, 1.5]);
    const terminated = new Uint8Array([0, 0, 1, 0, 0, 0]);
    const truncated = new Uint8Array([0, 0, 0, 1, 0, 0]);
    const finalValues = new Float32Array([0, 0, 0, 4, 0, 0]);
    const adv = new Float32Array(6);
    const ret = new Float32Array(6);
    computeGae(
      { ...base, numEnvs: 2, rewards, values, terminated, truncated, finalValues, lastValues: new Float32Array([2, 2]) },
      adv,
      ret,
    );
    // Both at t=2 (a new episode): A = 2.5 as above.
    expect(adv[4]).toBe(2.5);
    expect(adv[5]).toBe(2.5);
    // Env 0, t=1, terminated: δ = 2 + 0 − 1 = 1, no trace from t=2      A = 1
    // Env 0, t=0:             δ = 1 + 0.5·1 − 0.5 = 1                    A = 1 + 0.25·1 = 1.25
    expect(adv[2]).toBe(1);
    expect(adv[0]).toBe(1.25);
    // Env 1, t=1, truncated:  δ = 2 + 0.5·4 − 1 = 3, no trace from t=2  A = 3
    // Env 1, t=0:             δ = 1 + 0.5·1 − 0.5 = 1                    A = 1 + 0.25·3 = 1.75
    expect(adv[3]).toBe(3);
    expect(adv[1]).toBe(1.75);
    // Termination wins when a step is both terminated and truncated.
    computeGae(
      {
        ...base,
        numEnvs: 2,
        rewards,
        values,
        terminated: new Uint8Array([0, 0, 1, 1, 0, 0]),
        truncated,
        finalValues,
        lastValues: new Float32Array([2, 2]),
      },
      adv,
      ret,
    );
    expect(adv[3]).toBe(1);
  });

  it('with λ = 1 and γ = 1 gives plain sums of rewards plus the bootstrap (n-step returns)', () => {
    const adv = new Float32Array(3);
    const ret = new Float32Array(3);
    computeGae(
      {
        numSteps: 3,
        numEnvs: 1,
        gamma: 1,
        lambda: 1,
        rewards: new Float32Array([1, 2, 3]),
        values: new Float32Array([9, 9, 9]),
        terminated: new Uint8Array(3),
        truncated: new Uint8Array(3),
        finalValues: new Float32Array(3),
        lastValues: new Float32Array([10]),
      },
      adv,
      ret,
    );
    // R_2 = 3 + 10 = 13, R_1 = 2 + 13 = 15, R_0 = 1 + 15 = 16.
    expect(Array.from(ret)).toEqual([16, 15, 13]);
  });

  it('refuses output arrays that are too short', () => {
    const z = new Float32Array(2);
    expect(() =>
      computeGae(
        {
          numSteps: 2,
          numEnvs: 1,
          gamma: 1,
          lambda: 1,
          rewards: z,
          values: z,
          terminated: new Uint8Array(2),
          truncated: new Uint8Array(2),
          finalValues: z,
          lastValues: z,
        },
        new Float32Array(1),
        z,
      ),
    ).toThrow(/need 2/);
  });
});
