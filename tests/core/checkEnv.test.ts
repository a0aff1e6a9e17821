import { describe, expect, it } from 'vitest';
import type { Env, ResetArgs, StepResult } from '../../src/core/Env.js';
import { checkEnv, EnvCheckError, hashObservation } from '../../src/core/checkEnv.js';
import { EnvStateError, SpaceError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';

/** A 1-D walk to ±3 with a seeded drift; a correct env whose behaviours the tests break one at a time. */
interface Faults {
  acceptBadActions?: boolean;
  mutateOnBadAction?: boolean;
  ignoreSeed?: boolean;
  allowStepAfterEnd?: boolean;
  obsOutOfSpace?: boolean;
}
class WalkEnv implements Env<{ x: Float32Array; tick: Float32Array }, number | Float32Array> {
  readonly observationSpace = new Dict({ x: new Box(-10, 10, [1]), tick: new Box(0, 100, [1]) });
  readonly actionSpace: Box | Discrete;
  private readonly obs = { x: new Float32Array(1), tick: new Float32Array(1) };
  private readonly rng = new Rng(0);
  private x = 0;
  private t = 0;
  private done = true;
  private started = false;
  constructor(
    private readonly faults: Faults = {},
    continuous = false,
  ) {
    this.actionSpace = continuous ? new Box(-1, 1, [1]) : new Discrete(3);
  }
  reset(args: ResetArgs = {}) {
    if (args.seed !== undefined && !this.faults.ignoreSeed) this.rng.reseed(args.seed);
    if (this.faults.ignoreSeed) this.rng.reseed(Math.floor(Math.random() * 1e9));
    this.x = this.rng.uniform(-1, 1);
    this.t = 0;
    this.done = false;
    this.started = true;
    return { obs: this.write(), info: {} };
  }
  step(action: number | Float32Array): StepResult<{ x: Float32Array; tick: Float32Array }> {
    const why = this.actionSpace.explain(action);
    if (why !== null && !this.faults.acceptBadActions) {
      if (this.faults.mutateOnBadAction) this.x += 0.5;
      throw new SpaceError(`${this.actionSpace.toString()}: ${why}`);
    }
    if (!this.started || (this.done && !this.faults.allowStepAfterEnd)) throw new EnvStateError('WalkEnv: reset first');
    const a = typeof action === 'number' ? action - 1 : action[0]!;
    this.x += a + 0.1 * this.rng.normal();
    this.t++;
    const terminated = Math.abs(this.x) >= 3;
    const truncated = !terminated && this.t >= 50;
    this.done = terminated || truncated;
    return { obs: this.write(), reward: terminated ? 1 : -0.01, terminated, truncated, info: {} };
  }
  private write() {
    this.obs.x[0] = this.faults.obsOutOfSpace ? 50 : Math.max(-10, Math.min(10, this.x));
    this.obs.tick[0] = this.t;
    return this.obs;
  }
  close() {}
}

function problemsOf(fn: () => void): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (err instanceof EnvCheckError) return err.problems;
    throw err;
  }
}

describe('checkEnv', () => {
  it('passes a correct env, discrete and continuous, given as an instance or a factory', () => {
    expect(() => checkEnv(new WalkEnv())).not.toThrow();
    expect(() => checkEnv(() => new WalkEnv({}, true))).not.toThrow();
  });

  it('reports each broken behaviour', () => {
    expect(problemsOf(() => checkEnv(new WalkEnv({ acceptBadActions: true }))).join('\n')).toMatch(/bad action \(a string\) was accepted/);
    expect(problemsOf(() => checkEnv(new WalkEnv({ mutateOnBadAction: true })))).toContain(
      'rejected bad actions changed the env state: the next valid step differs from a clean run',
    );
    expect(problemsOf(() => checkEnv(new WalkEnv({ ignoreSeed: true }))).join('\n')).toMatch(/not deterministic/);
    expect(problemsOf(() => checkEnv(new WalkEnv({ allowStepAfterEnd: true })))).toContain(
      'step after the episode ended did not throw EnvStateError',
    );
    expect(problemsOf(() => checkEnv(new WalkEnv({ obsOutOfSpace: true }))).join('\n')).toMatch(
      /reset obs is not in the observation space: x: element 0 = 50/,
    );
  });

  it('hashes observation streams by content', () => {
    const a = { x: Float32Array.of(1, 2), y: Uint8Array.of(3) };
    expect(hashObservation(a)).toBe(hashObservation({ x: Float32Array.of(1, 2), y: Uint8Array.of(3) }));
    expect(hashObservation(a)).not.toBe(hashObservation({ x: Float32Array.of(1, 2.0000002), y: Uint8Array.of(3) }));
    expect(hashObservation(a)).not.toBe(hashObservation({ y: Uint8Array.of(3), x: Float32Array.of(1, 2) }));
  });
});
