import { describe, expect, it } from 'vitest';
import type { Env, ResetResult, StepResult } from '../../../src/core/Env.js';
import { Box, Dict, Discrete } from '../../../src/core/spaces.js';
import { FrameStack } from '../../../envs/wrappers/FrameStack.js';

/** Frame t is a 1×2×2 image whose pixel p, channel c holds 100·t + 10·p + c; plus a vector [t]. */
class Counter implements Env {
  readonly observationSpace = new Dict({ img: new Box(0, 255, [1, 2, 2], 'uint8'), t: new Box(0, 100, [1]) });
  readonly actionSpace = new Discrete(1);
  private t = 0;
  private obs(): { img: Uint8Array; t: Float32Array } {
    const img = new Uint8Array(4);
    for (let p = 0; p < 2; p++) for (let c = 0; c < 2; c++) img[p * 2 + c] = (100 * this.t + 10 * p + c) % 256;
    return { img, t: new Float32Array([this.t]) };
  }
  reset(): ResetResult {
    this.t = 0;
    return { obs: this.obs(), info: {} };
  }
  step(): StepResult {
    this.t++;
    return { obs: this.obs(), reward: 0, terminated: false, truncated: false, info: {} };
  }
  close(): void {}
}

describe('FrameStack', () => {
  it('stacks k frames along the last axis, oldest first, padding with the reset frame', () => {
    const env = new FrameStack(new Counter(), 3, ['img']);
    const space = env.observationSpace as Dict;
    expect((space.spaces.img as Box).shape).toEqual([1, 2, 6]);
    expect((space.spaces.img as Box).dtype).toBe('uint8');
    expect((space.spaces.t as Box).shape).toEqual([1]);
    let obs = env.reset().obs as { img: Uint8Array; t: Float32Array };
    // Pixel 0: channels (0, 1) three times; pixel 1: (10, 11) three times.
    expect(Array.from(obs.img)).toEqual([0, 1, 0, 1, 0, 1, 10, 11, 10, 11, 10, 11]);
    env.step(0);
    obs = env.step(0).obs as { img: Uint8Array; t: Float32Array };
    expect(Array.from(obs.img)).toEqual([0, 1, 100, 101, 200, 201, 10, 11, 110, 111, 210, 211]);
    expect(Array.from(obs.t)).toEqual([2]);
    expect(space.contains(obs)).toBe(true);
  });

  it('stacks a vector Box into [d·k] and tiles its bounds', () => {
    const env = new FrameStack(new Counter(), 2);
    const t = (env.observationSpace as Dict).spaces.t as Box;
    expect(t.shape).toEqual([2]);
    expect(Array.from(t.high)).toEqual([100, 100]);
    env.reset();
    const obs = env.step(0).obs as { t: Float32Array };
    expect(Array.from(obs.t)).toEqual([0, 1]);
  });

  it('refuses bad k, unknown keys and non-Box entries', () => {
    expect(() => new FrameStack(new Counter(), 0)).toThrow(/positive integer/);
    expect(() => new FrameStack(new Counter(), 2, ['nope'])).toThrow(/no key "nope"/);
  });
});
