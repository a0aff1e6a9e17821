/**
 * Discrete observations (and Discrete entries of a Dict) as one-hot float32 vectors, so networks
 * and vector envs — which batch Box observations — work on envs such as FrozenLake-style grids.
 *
 * Observation Space: Discrete(n) → Box(0, 1, [n], float32); Box entries pass unchanged.
 */
import type { Action, Env, EnvFactory, Observation, ResetArgs, ResetResult, StepResult } from '../../src/core/Env.js';
import { Box, Dict, Discrete, type Space } from '../../src/core/spaces.js';
import { Wrapper } from './Wrapper.js';

/** Discrete observations (alone or inside a Dict) as one-hot float32 vectors, so networks and vector envs can batch them. */
export class OneHotObservation extends Wrapper {
  override readonly observationSpace: Space;

  constructor(env: Env) {
    super(env);
    if (!OneHotObservation.needed(env.observationSpace))
      throw new TypeError(`OneHotObservation: ${env.observationSpace.toString()} has no Discrete part`);
    this.observationSpace = convertSpace(env.observationSpace);
  }

  /** True when `space` is or contains a Discrete space. */
  static needed(space: Space): boolean {
    if (space instanceof Discrete) return true;
    if (space instanceof Dict) return Object.values(space.spaces as Record<string, Space>).some((s) => OneHotObservation.needed(s));
    return false;
  }

  /** A factory whose envs are wrapped when (and only when) their observations have a Discrete part. */
  static wrapFactory(factory: EnvFactory): EnvFactory {
    return (index) => {
      const env = factory(index);
      return OneHotObservation.needed(env.observationSpace) ? new OneHotObservation(env) : env;
    };
  }

  override reset(args?: ResetArgs): ResetResult {
    const { obs, info } = this.env.reset(args);
    return { obs: convertValue(this.env.observationSpace, obs), info };
  }

  override step(action: Action): StepResult {
    const result = this.env.step(action);
    return { ...result, obs: convertValue(this.env.observationSpace, result.obs) };
  }
}

function convertSpace(space: Space): Space {
  if (space instanceof Discrete) return new Box(0, 1, [space.n]);
  if (space instanceof Dict) {
    const out: Record<string, Space> = {};
    for (const [k, s] of Object.entries(space.spaces as Record<string, Space>)) out[k] = convertSpace(s);
    return new Dict(out);
  }
  return space;
}

function convertValue(space: Space, value: Observation): Observation {
  if (space instanceof Discrete) {
    const v = new Float32Array(space.n);
    v[(value as number) - space.start] = 1;
    return v;
  }
  if (space instanceof Dict) {
    const out: Record<string, Observation> = {};
    for (const [k, s] of Object.entries(space.spaces as Record<string, Space>))
      out[k] = convertValue(s, (value as Record<string, Observation>)[k]!);
    return out as Observation;
  }
  return value;
}
