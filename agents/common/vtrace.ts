/**
 * V-trace targets and policy-gradient advantages (Espeholt et al. 2018, IMPALA, §4.1 and eq. 1)
 * over a [T, N] rollout, time-major (index t·N + n), for trajectories that a behaviour policy μ
 * (an actor's lagged weights) collected and the current policy π learns from.
 *
 * With ρ_t = π(a_t|s_t) / μ(a_t|s_t) = exp(logRhos_t), truncated importance weights
 *
 *   ρ̂_t = min(ρ̄, ρ_t),   c_t = λ·min(c̄, ρ_t),
 *
 * the temporal difference δ_t = ρ̂_t·(r_t + γ·V_next − V(s_t)) and the V-trace target
 *
 *   v_s = V(s_s) + Σ_{t=s}^{e} γ^{t−s} (Π_{i=s}^{t−1} c_i) δ_t
 *       = V(s_s) + δ_s + γ·c_s·(v_{s+1} − V(s_{s+1}))          (the backward recursion of IMPALA §4.1, Remarks)
 *
 * where the sum runs to e, the first episode end at or after s, or the rollout's last step. The
 * advantage for the policy gradient, as APPO uses it inside PPO's clipped objective, is
 *
 *   A_s = ρ̂_s·(r_s + γ·v_next − V(s_s)).
 *
 * Episode ends are those of `gae.ts`: after a termination V_next = v_next = 0; after a truncation
 * V_next = v_next = V(final observation) (the episode would have gone on; nothing after it is in
 * the rollout, so its target is its value); either end stops the trace. After the last step,
 * V_next = v_next = V(s_T). V-trace takes V to be the current parameters' value function
 * everywhere, bootstraps included; only the actions, and so the ρ_t, come from μ. Bootstraps
 * `finalValues` and `lastValues` computed by μ instead shift each target by their error times the
 * discounted trace weight γ^k·Π c_i to the rollout's edge or the truncation.
 *
 * λ is the trace-cutting factor of IMPALA §4.1, Remarks (c_t = λ·min(c̄, ρ_t)); with ρ_t = 1 and
 * ρ̄ = c̄ = 1, v_s − V(s_s) is GAE(λ)'s advantage and v_s its return.
 *
 * Followed: deepmind/scalable_agent `vtrace.py` (`from_importance_weights`: clipped ρ in δ, cs in
 * the backward scan, pg advantages from clipped ρ and the next target) and Sample Factory's APPO
 * learner (`learner.py`, `with_vtrace`: the same recursion with a not-done mask, advantages from
 * min(ρ̄, ratio)).
 */
export interface VtraceInput {
  numSteps: number;
  numEnvs: number;
  /** Discount γ. */
  gamma: number;
  /** Trace-cutting factor λ in c_t = λ·min(c̄, ρ_t). */
  lambda: number;
  /** ρ̄: truncation of ρ in δ_t and in the advantages. */
  rhoBar: number;
  /** c̄: truncation of ρ in the trace coefficients. */
  cBar: number;
  /** [T·N] reward of step t. */
  rewards: Float32Array;
  /** [T·N] V(s_t) under the current parameters. */
  values: Float32Array;
  /** [T·N] 1 where step t ended the episode by termination. */
  terminated: Uint8Array;
  /** [T·N] 1 where step t ended the episode by truncation (and not termination). */
  truncated: Uint8Array;
  /** [T·N] V(final observation) where step t truncated; read only there. */
  finalValues: Float32Array;
  /** [N] V(s_T), the observation after the rollout. */
  lastValues: Float32Array;
  /** [T·N] log π(a_t|s_t) − log μ(a_t|s_t). */
  logRhos: Float32Array;
}

/** Fill `outVs` with the V-trace targets v_s and `outAdvantages` with ρ̂_s·(r_s + γ·v_next − V(s_s)) ([T·N] each). */
export function computeVtrace(input: VtraceInput, outVs: Float32Array, outAdvantages: Float32Array): void {
  const {
    numSteps: T,
    numEnvs: N,
    gamma,
    lambda,
    rhoBar,
    cBar,
    rewards,
    values,
    terminated,
    truncated,
    finalValues,
    lastValues,
    logRhos,
  } = input;
  if (outVs.length < T * N || outAdvantages.length < T * N) throw new RangeError(`computeVtrace: output arrays need ${T * N} values`);
  for (let n = 0; n < N; n++) {
    // v_{t+1} − V(s_{t+1}) and v_{t+1} of the step after the current one, carried backwards.
    let nextCorrection = 0;
    let nextVs = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + n;
      let nextValue: number;
      let nextTarget: number;
      let carry: number;
      if (terminated[i]) {
        nextValue = 0;
        nextTarget = 0;
        carry = 0;
      } else if (truncated[i]) {
        nextValue = finalValues[i]!;
        nextTarget = nextValue;
        carry = 0;
      } else if (t === T - 1) {
        nextValue = lastValues[n]!;
        nextTarget = nextValue;
        carry = 0;
      } else {
        nextValue = values[i + N]!;
        nextTarget = nextVs;
        carry = nextCorrection;
      }
      const rho = Math.exp(logRhos[i]!);
      const clippedRho = Math.min(rhoBar, rho);
      const c = lambda * Math.min(cBar, rho);
      const value = values[i]!;
      const delta = clippedRho * (rewards[i]! + gamma * nextValue - value);
      nextCorrection = delta + gamma * c * carry;
      nextVs = value + nextCorrection;
      outVs[i] = nextVs;
      outAdvantages[i] = clippedRho * (rewards[i]! + gamma * nextTarget - value);
    }
  }
}
