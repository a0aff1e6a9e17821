import { describe, expect, it } from 'vitest';
import type { Action, Env, ResetArgs, ResetResult, StepResult } from '../../../src/core/Env.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import { FrameStack } from '../../../envs/wrappers/FrameStack.js';
import { Wrapper } from '../../../envs/wrappers/Wrapper.js';

/** Records what reaches it; observation t after t steps. */
class Recorder implements Env {
  readonly observationSpace = new Box(0, 100, [1]);
  readonly actionSpace = new Discrete(3);
  readonly calls: string[] = [];
  private t = 0;
  reset(args?: ResetArgs): ResetResult {
    this.calls.push(`reset ${JSON.stringify(args)}`);
    this.t = 0;
    return { obs: new Float32Array([this.t]), info: { seed: args?.seed } };
  }
  step(action: Action): StepResult {
    this.calls.push(`step ${String(action)}`);
    this.t++;
    return { obs: new Float32Array([this.t]), reward: 0.5, terminated: false, truncated: this.t >= 2, info: { action } };
  }
  close(): void {
    this.calls.push('close');
  }
}

describe('Wrapper', () => {
  it("forwards reset, step and close and takes the wrapped env's spaces", () => {
    const inner = new Recorder();
    const env = new Wrapper(inner);
    expect(env.observationSpace).toBe(inner.observationSpace);
    expect(env.actionSpace).toBe(inner.actionSpace);
    expect(env.reset({ seed: 4 })).toEqual({ obs: new Float32Array([0]), info: { seed: 4 } });
    expect(env.step(2)).toEqual({ obs: new Float32Array([1]), reward: 0.5, terminated: false, truncated: false, info: { action: 2 } });
    env.close();
    expect(inner.calls).toEqual(['reset {"seed":4}', 'step 2', 'close']);
  });

  it('reaches the innermost env through two wrappers, whatever each one transforms', () => {
    const inner = new Recorder();
    const middle = new Wrapper(inner);
    const outer = new FrameStack(middle, 3);
    expect(outer.env).toBe(middle);
    expect(middle.unwrapped).toBe(inner);
    expect(outer.unwrapped).toBe(inner);
    // FrameStack declares its own observation space; the action space is still the innermost env's.
    expect((outer.observationSpace as Box).shape).toEqual([3]);
    expect(outer.actionSpace).toBe(inner.actionSpace);
    outer.reset();
    expect(Array.from(outer.step(1).obs as Float32Array)).toEqual([0, 0, 1]);
    outer.close();
    expect(inner.calls).toEqual(['reset undefined', 'step 1', 'close']);
  });
});
