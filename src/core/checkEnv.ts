/**
 * A Gymnasium-style env checker: does an env honour the contract in Env.ts?
 *
 * Checks, in order: the spaces are robonav spaces (observation Box/Discrete/Dict, action Box or
 * Discrete); `reset` returns `{ obs, info }` with `obs` in the observation space; `step` returns a
 * finite number reward, boolean flags, an info object and an obs in the space; the same seed gives
 * the same observation stream (hash) under the same actions; bad actions (wrong type, NaN, out of
 * range, wrong length) throw `SpaceError` and leave the state unchanged (the next valid step gives
 * exactly what it would have given); and, when the env is given as a factory, `step` before `reset`
 * and `step` after a finished episode throw `EnvStateError`.
 *
 * All problems found are collected and thrown together as one `EnvCheckError`.
 */
import type { Action, Env, Info, Observation, StepResult } from './Env.js';
import { EnvStateError, SpaceError } from './errors.js';
import { Rng } from './Rng.js';
import { Box, Dict, Discrete, Space } from './spaces.js';

/** The seed and step counts of an env check. */
export interface CheckEnvOptions {
  /** Seed for resets and the random actions. @default 0 */
  seed?: number;
  /** Steps in the determinism rollout. @default 30 */
  steps?: number;
  /** Most steps spent looking for an episode end (to test step-after-end). @default 600 */
  maxEpisodeSteps?: number;
}

/** Every problem `checkEnv` found in an env, one per line of the message and in `problems`. */
export class EnvCheckError extends Error {
  readonly code = 'env-check' as const;
  constructor(readonly problems: string[]) {
    super(`env check failed:\n- ${problems.join('\n- ')}`);
    this.name = 'EnvCheckError';
  }
}

/** 32-bit FNV-1a over the bytes of every typed array (Dict keys in order), numbers as float64. */
export function hashObservation(obs: Observation, hash = 0x811c9dc5): number {
  if (typeof obs === 'number') {
    const bytes = new Uint8Array(Float64Array.of(obs).buffer);
    return fnv(bytes, hash);
  }
  if (ArrayBuffer.isView(obs)) return fnv(new Uint8Array(obs.buffer, obs.byteOffset, obs.byteLength), hash);
  let h = hash;
  for (const key of Object.keys(obs)) {
    h = fnv(new TextEncoder().encode(key), h);
    h = hashObservation(obs[key]!, h);
  }
  return h;
}

function fnv(bytes: Uint8Array, hash: number): number {
  let h = hash >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Actions outside `space` that every env must reject, with a label for the report. */
export function badActions(space: Box | Discrete): Array<[string, unknown]> {
  if (space instanceof Discrete) {
    return [
      ['a string', '1'],
      ['null', null],
      ['NaN', NaN],
      ['a fraction', space.start + 0.5],
      ['below the range', space.start - 1],
      ['above the range', space.start + space.n],
      ['an array', [space.start]],
    ];
  }
  const cases: Array<[string, unknown]> = [
    ['a string', 'x'],
    ['a number instead of an array', 0],
    ['too short', new Float32Array(Math.max(0, space.size - 1))],
    ['too long', new Float32Array(space.size + 1)],
  ];
  const nan = new Float32Array(space.size);
  for (let i = 0; i < space.size; i++) nan[i] = Number.isFinite(space.low[i]!) ? space.low[i]! : 0;
  const mid = nan.slice();
  nan[0] = NaN;
  cases.push(['NaN', nan]);
  if (Number.isFinite(space.high[0]!)) {
    const high = mid.slice();
    high[0] = space.high[0]! + 1;
    cases.push(['above the range', high]);
  }
  if (Number.isFinite(space.low[0]!)) {
    const low = mid.slice();
    low[0] = space.low[0]! - 1;
    cases.push(['below the range', low]);
  }
  return cases;
}

/** Check `env` (or a fresh env from a factory, which also enables the before-reset check). Throws `EnvCheckError`. */
export function checkEnv(envOrFactory: Env | (() => Env), options: CheckEnvOptions = {}): void {
  const seed = options.seed ?? 0;
  const steps = options.steps ?? 30;
  const maxEpisodeSteps = options.maxEpisodeSteps ?? 600;
  const factory = typeof envOrFactory === 'function' ? envOrFactory : null;
  const env = factory ? factory() : (envOrFactory as Env);
  const problems: string[] = [];
  const attempt = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      problems.push(`${what}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  };

  // Spaces.
  const obsSpace = env.observationSpace;
  const actSpace = env.actionSpace;
  if (!(obsSpace instanceof Space)) problems.push(`observationSpace is not a Space (got ${String(obsSpace)})`);
  if (!(actSpace instanceof Box || actSpace instanceof Discrete))
    problems.push(`actionSpace must be a Box or Discrete (got ${String(actSpace)})`);
  if (obsSpace instanceof Dict && obsSpace.keys().length === 0) problems.push('observationSpace is an empty Dict');
  if (problems.length > 0) throw new EnvCheckError(problems);

  if (factory) {
    attempt('step before reset', () => {
      try {
        env.step(actSpace.sample(new Rng(seed)) as Action);
        problems.push('step before reset did not throw EnvStateError');
      } catch (err) {
        if (!(err instanceof EnvStateError)) problems.push(`step before reset threw ${describeError(err)} instead of EnvStateError`);
      }
    });
  }

  // Reset and step types, and the observation stream under a seed.
  const rollout = (): { hashes: number[]; rewards: number[] } | null => {
    const hashes: number[] = [];
    const rewards: number[] = [];
    const rng = new Rng(seed);
    const reset = env.reset({ seed });
    if (!checkResetShape(reset, obsSpace, problems)) return null;
    hashes.push(hashObservation(reset.obs));
    for (let t = 0; t < steps; t++) {
      const result = env.step(actSpace.sample(rng) as Action);
      if (!checkStepShape(result, obsSpace, problems, t)) return null;
      hashes.push(hashObservation(result.obs));
      rewards.push(result.reward);
      if (result.terminated || result.truncated) {
        const next = env.reset();
        if (!checkResetShape(next, obsSpace, problems)) return null;
        hashes.push(hashObservation(next.obs));
      }
    }
    return { hashes, rewards };
  };
  let first: ReturnType<typeof rollout> = null;
  attempt('first seeded rollout', () => (first = rollout()));
  attempt('second seeded rollout', () => {
    const second = rollout();
    if (first && second) {
      const i = first.hashes.findIndex((h, k) => h !== second.hashes[k]);
      if (i >= 0) problems.push(`not deterministic: with seed ${seed} the observation stream differs at index ${i}`);
      const j = first.rewards.findIndex((r, k) => !Object.is(r, second.rewards[k]));
      if (j >= 0) problems.push(`not deterministic: with seed ${seed} reward ${j} differs (${first.rewards[j]} vs ${second.rewards[j]})`);
    }
  });

  // Bad actions: SpaceError, and the next valid step behaves as if they never happened.
  attempt('bad actions', () => {
    const valid = actSpace.sample(new Rng(seed + 1)) as Action;
    env.reset({ seed });
    const reference = snapshot(env.step(valid));
    env.reset({ seed });
    for (const [label, action] of badActions(actSpace)) {
      try {
        env.step(action as Action);
        problems.push(`bad action (${label}) was accepted`);
      } catch (err) {
        if (!(err instanceof SpaceError)) problems.push(`bad action (${label}) threw ${describeError(err)} instead of SpaceError`);
      }
    }
    const after = snapshot(env.step(valid));
    if (after.hash !== reference.hash || !Object.is(after.reward, reference.reward) || after.done !== reference.done) {
      problems.push('rejected bad actions changed the env state: the next valid step differs from a clean run');
    }
  });

  // Step after the end of an episode without reset.
  attempt('step after the episode ended', () => {
    const rng = new Rng(seed + 2);
    env.reset({ seed });
    for (let t = 0; t < maxEpisodeSteps; t++) {
      const result = env.step(actSpace.sample(rng) as Action);
      if (result.terminated || result.truncated) {
        try {
          env.step(actSpace.sample(rng) as Action);
          problems.push('step after the episode ended did not throw EnvStateError');
        } catch (err) {
          if (!(err instanceof EnvStateError))
            problems.push(`step after the episode ended threw ${describeError(err)} instead of EnvStateError`);
        }
        return;
      }
    }
  });

  if (factory) env.close();
  if (problems.length > 0) throw new EnvCheckError(problems);
}

function checkResetShape(result: unknown, space: Space, problems: string[]): result is { obs: Observation; info: Info } {
  if (typeof result !== 'object' || result === null || !('obs' in result) || !('info' in result)) {
    problems.push('reset must return { obs, info }');
    return false;
  }
  const { obs, info } = result as { obs: unknown; info: unknown };
  const why = space.explain(obs);
  if (why !== null) problems.push(`reset obs is not in the observation space: ${why}`);
  if (typeof info !== 'object' || info === null) problems.push('reset info must be an object');
  return why === null;
}

function checkStepShape(result: unknown, space: Space, problems: string[], t: number): result is StepResult {
  if (typeof result !== 'object' || result === null) {
    problems.push(`step ${t} must return { obs, reward, terminated, truncated, info }`);
    return false;
  }
  const r = result as Record<string, unknown>;
  const before = problems.length;
  const why = space.explain(r.obs);
  if (why !== null) problems.push(`step ${t} obs is not in the observation space: ${why}`);
  if (typeof r.reward !== 'number' || !Number.isFinite(r.reward))
    problems.push(`step ${t} reward must be a finite number, got ${String(r.reward)}`);
  if (typeof r.terminated !== 'boolean') problems.push(`step ${t} terminated must be a boolean`);
  if (typeof r.truncated !== 'boolean') problems.push(`step ${t} truncated must be a boolean`);
  if (typeof r.info !== 'object' || r.info === null) problems.push(`step ${t} info must be an object`);
  return problems.length === before;
}

function snapshot(result: StepResult): { hash: number; reward: number; done: boolean } {
  return { hash: hashObservation(result.obs), reward: result.reward, done: result.terminated || result.truncated };
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name} ("${err.message}")` : String(err);
}
