/**
 * The Env and VectorEnv contracts (Gymnasium semantics).
 *
 * - `reset({ seed })`: an integer seed reseeds the env's stream; no seed keeps it going.
 * - `step(action)` returns `terminated` for a true end of the episode (no bootstrapping) and
 *   `truncated` for a time limit (bootstrap from the final observation).
 * - Observations are typed arrays owned by the env and valid until its next `reset`/`step`:
 *   the env reuses its buffers so the hot loop allocates nothing. Copy what you keep.
 *   (A VectorEnv copies them into its batched buffers, and `finalObs` is always a copy.)
 * - A bad action throws a `SpaceError` naming the space and the value, and changes nothing.
 */
import type { Box, Discrete, Space, SpaceValue } from './spaces.js';

/** What an env observes: a number (Discrete), a typed array (Box) or an object of them (Dict), owned by the env. */
export type Observation = SpaceValue;
/** What an env is stepped with: an index for Discrete actions, an array of values for Box actions. */
export type Action = number | Float32Array | number[];
/** Extra facts of a reset or step (task metrics, `finalObs` in vector envs); JSON-able values by convention. */
export type Info = Record<string, unknown>;

/** The arguments of `reset`: a seed that reseeds the env, and task options (e.g. `{ episode }`, a fixed episode). */
export interface ResetArgs {
  seed?: number;
  options?: Record<string, unknown>;
}

/** The first observation of an episode and its info. */
export interface ResetResult<O extends Observation = Observation> {
  obs: O;
  info: Info;
}

/** One step: the next observation, the reward, whether the episode ended (terminated) or was cut off (truncated), the info. */
export interface StepResult<O extends Observation = Observation> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

/**
 * An environment with Gymnasium's semantics: spaces declared up front, `reset` and `step`, `close`.
 * The header of src/core/Env.ts gives the contract in full; `checkEnv` checks an env against it.
 */
export interface Env<O extends Observation = Observation, A extends Action = Action> {
  readonly observationSpace: Space;
  readonly actionSpace: Box | Discrete;
  reset(args?: ResetArgs): ResetResult<O>;
  step(action: A): StepResult<O>;
  close(): void;
}

/** Creates a fresh env; vector envs and agents take factories so each sub-env is independent. */
export type EnvFactory<O extends Observation = Observation, A extends Action = Action> = (index: number) => Env<O, A>;

/**
 * Observations of N envs, batched: for a Box space one typed array of N × size values (env-major);
 * for a Dict space an object of such arrays. Buffers are owned by the VectorEnv and overwritten
 * on the next call.
 */
export type BatchedObservation = Float32Array | Uint8Array | { [key: string]: Float32Array | Uint8Array };

/** The batched first observations of N envs and their infos. */
export interface VectorResetResult {
  obs: BatchedObservation;
  infos: Info[];
}

/** One step of N envs: batched observations, and per env the reward, end flags and info. */
export interface VectorStepResult {
  obs: BatchedObservation;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /**
   * Per env. Same-step autoreset: where an episode ended, `obs` already holds the first
   * observation of the next episode and `infos[i].finalObs` / `infos[i].finalInfo` hold the
   * last observation (a copy) and info of the finished one.
   */
  infos: Info[];
}

/** N envs stepped together with batched observations and actions and same-step autoreset; agents train on one. */
export interface VectorEnv {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Box | Discrete;
  /** `seed` seeds env i with seed + i. */
  reset(args?: ResetArgs): Promise<VectorResetResult>;
  /** Discrete: an Int32Array of N actions; Box: a Float32Array of N × actionSize values. */
  step(actions: Int32Array | Float32Array): Promise<VectorStepResult>;
  close(): Promise<void>;
}
