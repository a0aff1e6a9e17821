/**
 * Generalised Advantage Estimation (Schulman et al. 2016) over a [T, N] rollout, time-major
 * (index t·N + n), with Gymnasium's two kinds of episode end:
 *
 *   δ_t = r_t + γ·V_next − V(s_t),   A_t = δ_t + γλ·(1 − end_t)·A_{t+1},   R_t = A_t + V(s_t)
 *
 * where V_next is V(s_{t+1}) inside an episode, 0 after a termination (a true end: nothing follows),
 * and V(final observation) after a truncation (a time limit: the episode would have gone on, so
 * bootstrap from where it was cut — SB3's `reward += γ·V(terminal_obs)`). Either end stops the
 * λ-trace, since s_{t+1} in the buffer is already the next episode's first observation.
 * λ = 1 gives n-step returns (A2C); λ = 1 with no bootstrap gives Monte-Carlo returns.
 */
export interface GaeInput {
  numSteps: number;
  numEnvs: number;
  gamma: number;
  lambda: number;
  /** [T·N] reward of step t. */
  rewards: Float32Array;
  /** [T·N] V(s_t) under the behaviour policy. */
  values: Float32Array;
  /** [T·N] 1 where step t ended the episode by termination. */
  terminated: Uint8Array;
  /** [T·N] 1 where step t ended the episode by truncation (and not termination). */
  truncated: Uint8Array;
  /** [T·N] V(final observation) where step t truncated; read only there. */
  finalValues: Float32Array;
  /** [N] V(s_T), the observation after the rollout. */
  lastValues: Float32Array;
}

/** Fill `advantages` and `returns` ([T·N] each). */
export function computeGae(input: GaeInput, advantages: Float32Array, returns: Float32Array): void {
  const { numSteps: T, numEnvs: N, gamma, lambda, rewards, values, terminated, truncated, finalValues, lastValues } = input;
  if (advantages.length < T * N || returns.length < T * N) throw new RangeError(`computeGae: output arrays need ${T * N} values`);
  for (let n = 0; n < N; n++) {
    let nextAdvantage = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + n;
      let nextValue: number;
      let carry: number;
      if (terminated[i]) {
        nextValue = 0;
        carry = 0;
      } else if (truncated[i]) {
        nextValue = finalValues[i]!;
        carry = 0;
      } else {
        nextValue = t === T - 1 ? lastValues[n]! : values[i + N]!;
        carry = t === T - 1 ? 0 : nextAdvantage;
      }
      const delta = rewards[i]! + gamma * nextValue - values[i]!;
      nextAdvantage = delta + gamma * lambda * carry;
      advantages[i] = nextAdvantage;
      returns[i] = nextAdvantage + values[i]!;
    }
  }
}
