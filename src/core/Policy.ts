/**
 * Policy: what evaluation, the viewer and the recorder run, whether it is a baseline (random,
 * oracle) or a trained network. Deliberately small:
 *
 * - `reset(seed)` before every episode (recurrent policies clear their memory here). `seed` is the
 *   episode's reset seed: a policy that draws random numbers restarts its stream from a mix of its
 *   own seed and this one (`Rng.mix`), so an episode's actions depend only on (policy seed, episode
 *   seed), never on which episodes ran before it in the same process (sharded evaluation relies on
 *   it). Without a seed the stream carries on;
 * - `act(obs, env)` returns one action for one observation. `obs` is the env's own observation
 *   (valid until the next step: copy what you keep). `env` is there for privileged baselines such
 *   as the oracle, which reads the geodesic field; learned policies ignore it. A policy may return
 *   a Promise (a network on an async backend);
 * - `dispose()` frees what the policy holds (tensors), if anything.
 */
import type { Action, Env, Observation } from './Env.js';

/** What evaluation, the viewer and the recorder run: `reset(seed)` before each episode, `act(obs, env)` once per step. */
export interface Policy {
  /** Short name for tables and logs, e.g. "oracle" or "runs/ppo-pointnav". */
  readonly name: string;
  reset(seed?: number): void;
  act(obs: Observation, env: Env): Action | Promise<Action>;
  dispose?(): void;
}
