import { describe, expect, it } from 'vitest';
import type { Env, ResetResult, StepResult } from '../../../src/core/Env.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import { OneHotObservation } from '../../../envs/wrappers/OneHotObservation.js';

class Grid implements Env<number, number> {
  readonly observationSpace = new Discrete(4, 1);
  readonly actionSpace = new Discrete(2);
  reset(): ResetResult<number> {
    return { obs: 3, info: {} };
  }
  step(): StepResult<number> {
    return { obs: 1, reward: 0, terminated: true, truncated: false, info: {} };
  }
  close(): void {}
}

describe('OneHotObservation', () => {
  it('turns Discrete(n, start) observations into one-hot Box vectors', () => {
    const env = new OneHotObservation(new Grid());
    expect(env.observationSpace).toBeInstanceOf(Box);
    expect(Array.from(env.reset().obs as Float32Array)).toEqual([0, 0, 1, 0]);
    expect(Array.from(env.step(0).obs as Float32Array)).toEqual([1, 0, 0, 0]);
  });

  it('wraps a factory only where needed and refuses Box-only envs', () => {
    const box: Env = {
      observationSpace: new Box(0, 1, [2]),
      actionSpace: new Discrete(2),
      reset: () => ({ obs: new Float32Array(2), info: {} }),
      step: () => ({ obs: new Float32Array(2), reward: 0, terminated: true, truncated: false, info: {} }),
      close: () => {},
    };
    expect(OneHotObservation.wrapFactory(() => box)(0)).toBe(box);
    expect(OneHotObservation.wrapFactory(() => new Grid())(0)).toBeInstanceOf(OneHotObservation);
    expect(() => new OneHotObservation(box)).toThrow(/no Discrete part/);
  });
});
