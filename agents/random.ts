/**
 * The random baseline: uniform samples from the action space, from its own seeded stream (so a
 * seed gives the same actions whatever the env does; `reset(episodeSeed)` restarts it from a mix of
 * the two seeds, so an episode's actions do not depend on the episodes before it). For Discrete(4)
 * navigation it calls STOP on about a quarter of its steps, so its episodes are short: the floor any
 * learned policy must beat.
 */
import type { Action, Env } from '../src/core/Env.js';
import { Rng } from '../src/core/Rng.js';
import type { Policy } from '../src/core/Policy.js';

/** The random baseline: uniform actions from its own stream seeded by `seed`, whatever the env does. */
export class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly rng: Rng;

  constructor(private readonly seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(episodeSeed?: number): void {
    if (episodeSeed !== undefined) this.rng.reseed(Rng.mix(this.seed, episodeSeed));
  }

  act(_obs: unknown, env: Env): Action {
    return env.actionSpace.sample(this.rng) as Action;
  }
}
