/**
 * Wrapper: the base of env wrappers (Gymnasium's `gymnasium.Wrapper`). It wraps an Env so that a
 * subclass can change one thing about it — its observations, actions or rewards — and leave the
 * rest alone.
 *
 * By default everything reaches the wrapped env: `reset`, `step` and `close` are forwarded, and
 * `observationSpace` / `actionSpace` are the wrapped env's. A subclass overrides what it
 * transforms, declaring its own space when it changes one (`override readonly observationSpace`),
 * and checks in its constructor that the space it wraps is one it can transform.
 *
 * `env` is the env this wrapper wraps (itself possibly a wrapper); `unwrapped` is the innermost env
 * beneath every wrapper, for code that needs the env's own members (a NavEnv's scene, say).
 *
 * ```ts
 * const env = new FrameStack(make('PointNav-v0'), 4, ['depth']);
 * env.observationSpace; // depth [64, 64, 4]; pointgoal unchanged
 * env.actionSpace;      // PointNav's Discrete(4)
 * env.unwrapped;        // the PointNav env
 * ```
 */
import type { Action, Env, ResetArgs, ResetResult, StepResult } from '../../src/core/Env.js';
import type { Box, Discrete, Space } from '../../src/core/spaces.js';

/** Forwards everything to the env it wraps; a subclass overrides the part it transforms. */
export class Wrapper implements Env {
  /** The wrapped env. */
  readonly env: Env;
  /** The wrapped env's, unless the subclass transforms observations. */
  readonly observationSpace: Space;
  /** The wrapped env's, unless the subclass transforms actions. */
  readonly actionSpace: Box | Discrete;

  constructor(env: Env) {
    this.env = env;
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
  }

  /** The innermost env, beneath every wrapper. */
  get unwrapped(): Env {
    return this.env instanceof Wrapper ? this.env.unwrapped : this.env;
  }

  reset(args?: ResetArgs): ResetResult {
    return this.env.reset(args);
  }

  step(action: Action): StepResult {
    return this.env.step(action);
  }

  close(): void {
    this.env.close();
  }
}
