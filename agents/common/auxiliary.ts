/**
 * Auxiliary losses trained jointly with the RL loss, on the shared encoder and core: two
 * self-supervised ones (Ye et al. 2020, "Auxiliary Tasks Speed Up Learning PointGoal Navigation",
 * arXiv 2007.04561) and three with privileged, training-only targets.
 * Listed in the agent config's `auxiliary`; each adds coef · L_aux to the agent's loss in the same
 * optimiser step (PPO: every minibatch; A2C, REINFORCE: the update). Discrete actions only.
 *
 * Notation, per minibatch: φ_t = encoder(o_t) the fused encoder output, b_t the belief (the core's
 * output h_t; without a core b_t = φ_t), a_t the action taken at t, m_{t,j} ∈ {0, 1} the mask of a
 * pair (t, t + j): 1 iff t + j lies in the same env's rollout and no episode starts in (t, t + j].
 * Every loss is a masked mean, Σ m·ℓ / max(1, Σ m).
 *
 *   inverseDynamics   ℓ_t = −log softmax(g([φ_t, φ_{t+1}]))[a_t],  g: Linear(2F → 64) → ReLU → Linear(64 → |A|)
 *                     Predicts the action between two frames from their encodings (the paper's
 *                     inverse dynamics, on its `vision` features): the encoder, not the core, since
 *                     the two observations alone determine the action and the pair costs one encoder
 *                     pass even without whole sequences (feed-forward minibatches).
 *   cpcA              action-conditional CPC (Guo et al. 2018, CPC|A), k steps: a query GRU starts at
 *                     the belief, q_0 = b_t, q_j = GRU(e(a_{t+j−1}), q_{j−1}), e a learned 8-d action
 *                     embedding; a scorer s(φ, q) = Linear(32 → 1)(ReLU(W_φ·φ + W_q·q + c)), W_φ·φ + W_q·q
 *                     being Linear(F + H → 32) on [φ, q], computed once per row and per query,
 *                     tells the true future φ_{t+j} from a negative φ⁻ (the encoding of another row
 *                     of the forward pass, drawn uniformly), binary cross-entropy:
 *                       ℓ_{t,j} = softplus(−s(φ_{t+j}, q_j)) + softplus(s(φ⁻, q_j)),  j = 1 … k
 *                     The paper's best single task (k = 16 there; default here 8, at most T − 1).
 *   pathBearing       ℓ_t = ‖g(b_t) − (cos β_t, sin β_t)‖²,  g: Linear(H → 64) → ReLU → Linear(64 → 2)
 *                     Predicts from the belief the bearing β_t of the shortest path's next straight
 *                     leg from the robot's heading (the env's `info.pathBearing`, stored in the
 *                     rollout as `pathBearings`; masked where the env gives none). Privileged: the
 *                     target comes from the same geodesic field as PointNav's reward, and only
 *                     training reads it — the policy still acts on its sensors alone. It asks the
 *                     belief to hold which way the path goes (which doorway), the gap a sparse
 *                     success signal closes slowest.
 *   atGoal            ℓ_t = softplus(s_t) − y_t·s_t,  s_t = g(b_t),  g: Linear(H → 64) → ReLU → Linear(64 → 1)
 *                     Binary cross-entropy of "STOP would succeed here": y_t is the env's
 *                     `info.atGoal` (stored as `atGoals`; masked where the env gives none).
 *                     Privileged like pathBearing. It asks the belief to hold the one fact STOP
 *                     depends on, which a reward paid only on a successful STOP teaches rarely —
 *                     in ObjectNav, where being within 1 m of the object in sight of it is judged
 *                     from the camera.
 *   stopAtGoal        ℓ_t = −[y_t·log π(STOP|o_t) + (1 − y_t)·log(1 − π(STOP|o_t))]
 *                     Binary cross-entropy of the policy's own STOP probability against the same
 *                     label y_t = `info.atGoal`: the stop decision imitated from the privileged
 *                     label (an oracle that stops exactly where STOP succeeds), on the policy head
 *                     itself rather than on a separate head. No new parameters. STOP is action
 *                     `action` (0 in every NavEnv task).
 *
 * Pairs need the successor rows. Recurrent minibatches (and A2C's and REINFORCE's whole rollout)
 * hold whole env sequences, so φ_{t+j} is a row of the same forward pass. Feed-forward PPO
 * minibatches hold shuffled single rows: the rows t + 1 … t + k of the same env that the minibatch
 * lacks are gathered from the buffer, appended to its observations and encoded in the same forward
 * pass (each buffer row at most once; the batch is padded with zero rows to a multiple of the
 * minibatch size, so that it takes few distinct sizes); the heads see only the minibatch's own rows.
 *
 * The heads live here, not in the network: trained by the agent's optimiser and saved in
 * checkpoints, never part of the saved or exported policy, never run while acting. Their init and
 * the negatives come from streams of their own, so turning the losses on leaves the network's init,
 * the shuffles and the action sampling unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { allocateBatch, boxLeaves, batchLeaf } from '../../src/core/batch.js';
import type { BatchedObservation } from '../../src/core/Env.js';
import type { Box, Discrete, Space } from '../../src/core/spaces.js';
import { RecurrentCore } from '../../src/nn/cores.js';
import { applyInit, GAIN } from '../../src/nn/init.js';
import type { Minibatch, RolloutBuffer } from './RolloutBuffer.js';

/** Inverse dynamics: predict a_t from the encodings of o_t and o_{t+1}. */
export interface InverseDynamicsAux {
  kind: 'inverseDynamics';
  /** Weight of the loss in the agent's loss. @default 0.1 */
  coef?: number;
}

/** Action-conditional CPC (CPC|A): tell the true encodings of the next `steps` observations from negatives. */
export interface CpcAAux {
  kind: 'cpcA';
  /** Steps k predicted ahead of each belief. @default 8 */
  steps?: number;
  /** Weight of the loss in the agent's loss. @default 0.1 */
  coef?: number;
}

/** Shortest-path bearing: predict, from the belief, the bearing of the shortest path (a privileged, training-only target). */
export interface PathBearingAux {
  kind: 'pathBearing';
  /** Weight of the loss in the agent's loss. @default 0.1 */
  coef?: number;
}

/** At the goal: predict, from the belief, whether STOP would succeed (a privileged, training-only target). */
export interface AtGoalAux {
  kind: 'atGoal';
  /** Weight of the loss in the agent's loss. @default 0.1 */
  coef?: number;
}

/** Stop at the goal: the policy's STOP probability trained towards the privileged at-goal label. */
export interface StopAtGoalAux {
  kind: 'stopAtGoal';
  /** The STOP action's index. @default 0 */
  action?: number;
  /** Weight of the loss in the agent's loss. @default 0.1 */
  coef?: number;
}

/** One entry of the `auxiliary` list of an on-policy agent's config. */
export type AuxiliarySpec = InverseDynamicsAux | CpcAAux | PathBearingAux | AtGoalAux | StopAtGoalAux;

/** The kinds whose targets are env infos (privileged, training-only): they need in-process rollouts. */
export const PRIVILEGED_KINDS: ReadonlyArray<AuxiliarySpec['kind']> = ['pathBearing', 'atGoal', 'stopAtGoal'];

/** The default weight of an auxiliary loss. */
export const DEFAULT_AUX_COEF = 0.1;
/** The default prediction horizon k of CPC|A. */
export const DEFAULT_CPCA_STEPS = 8;

/** Hidden units of the inverse-dynamics MLP. */
const INVERSE_HIDDEN = 64;
/** Size of CPC|A's action embedding. */
const ACTION_EMBEDDING = 8;
/** Hidden units of CPC|A's scorer. */
const SCORER_HIDDEN = 32;
/** Hidden units of the path-bearing and at-goal MLPs. */
const PRIVILEGED_HIDDEN = 64;

/** The metric name of each kind's loss in the update record. */
const METRICS: Record<AuxiliarySpec['kind'], string> = {
  inverseDynamics: 'auxInverseDynamics',
  cpcA: 'auxCpcA',
  pathBearing: 'auxPathBearing',
  atGoal: 'auxAtGoal',
  stopAtGoal: 'auxStopAtGoal',
};

/** The metric name of a kind's loss in the update record. */
export function auxiliaryMetric(kind: AuxiliarySpec['kind']): string {
  return METRICS[kind];
}

/**
 * Where the auxiliary losses find their pairs in one minibatch of B rows: the encoded rows are the
 * minibatch's B rows, then the successor rows it lacks, then zero padding; for offset j = 1 … K (row (j − 1)·B + b),
 * `next` is the encoded row of o_{t+j}, `mask` m_{t,j}, `actions` a_{t+j−1}, `negatives` an encoded
 * row other than `next`.
 */
export interface AuxiliaryPlan {
  /** Minibatch rows B. */
  size: number;
  /** Rows encoded: B, or B plus the extra successor rows padded to a multiple of B (padding is never a target). */
  rows: number;
  /** The observations of the encoded rows (the minibatch's own when there are no extra rows). */
  observations: BatchedObservation;
  /** [K·B] the encoded row of o_{t+j} (the row itself where the mask is 0). */
  next: Int32Array;
  /** [K·B] m_{t,j}. */
  mask: Float32Array;
  /** [K·B] a_{t+j−1} (0 where the mask is 0). */
  actions: Int32Array;
  /** [K·B] a minibatch or successor row other than `next` (drawn for CPC|A only). */
  negatives: Int32Array;
  /** [2·B] (cos β_t, sin β_t) of each minibatch row's path bearing (0 where unknown; filled for pathBearing only). */
  bearings: Float32Array;
  /** [B] 1 where the row's path bearing is known. */
  bearingMask: Float32Array;
  /** [B] 1 where STOP would succeed at the row's observation, else 0 (0 where unknown; filled for atGoal and stopAtGoal only). */
  atGoals: Float32Array;
  /** [B] 1 where the row's at-goal label is known. */
  atGoalMask: Float32Array;
}

/** What the losses read from the forward pass: every encoded row's φ, the minibatch rows' beliefs and action logits. */
export interface AuxiliaryInputs {
  plan: AuxiliaryPlan;
  /** [rows, F] φ of every encoded row. */
  features: tf.Tensor2D;
  /** [B, H] b_t of the minibatch rows. */
  beliefs: tf.Tensor2D;
  /** [B, |A|] the policy's action logits at the minibatch rows. */
  logits: tf.Tensor2D;
}

interface Task {
  kind: AuxiliarySpec['kind'];
  coef: number;
  models: tf.LayersModel[];
  loss(inputs: AuxiliaryInputs): tf.Scalar;
}

/** Arrays of one minibatch size, allocated once. */
interface PlanArrays {
  next: Int32Array;
  mask: Float32Array;
  actions: Int32Array;
  negatives: Int32Array;
  bearings: Float32Array;
  bearingMask: Float32Array;
  atGoals: Float32Array;
  atGoalMask: Float32Array;
  extra: Int32Array;
  /** The minibatch's rows then the extra ones (allocated on first use: whole-sequence minibatches never need it). */
  observations: BatchedObservation | null;
}

/**
 * The auxiliary losses of one agent: their heads (tfjs layers models), the pair plan of a
 * minibatch and the weighted loss.
 *
 * @example
 * const aux = new AuxiliaryTasks([{ kind: 'inverseDynamics' }], {
 *   observationSpace: env.observationSpace, actionSpace: env.actionSpace, featureSize: 256, beliefSize: 256, numSteps: 128, seed,
 * });
 * const plan = aux.plan(minibatch, buffer);   // then encode plan.observations, run the core
 * const { total, parts } = aux.loss({ plan, features, beliefs });
 */
export class AuxiliaryTasks {
  /** The horizon K of the plan: 1 for inverse dynamics, k for CPC|A (the largest). */
  readonly horizon: number;
  /** Whether a task needs negatives (CPC|A); only then are they drawn. */
  private readonly contrastive: boolean;
  /** Whether a task reads the rows' path bearings; only then are they copied. */
  private readonly readsBearings: boolean;
  /** Whether a task reads the rows' at-goal labels; only then are they copied. */
  private readonly readsAtGoals: boolean;
  private readonly tasks: Task[];
  private readonly rng: Rng;
  private readonly observationSpace: Space;
  private readonly leaves: ReadonlyArray<readonly [string | null, Box]>;
  private readonly arrays = new Map<number, PlanArrays>();
  /** Encoded row of each buffer row during `plan` (−1: not encoded), of the buffer's size. */
  private slot: Int32Array = new Int32Array(0);

  /**
   * `featureSize` F of the encoder's output, `beliefSize` H of the core's (F without a core),
   * `numSteps` T of a rollout (CPC|A predicts at most T − 1 steps ahead: no pair reaches further);
   * `seed` seeds the heads' init and the negatives.
   * @throws UsageError on an unknown kind, a bad coef or steps, a duplicate kind, or Box actions.
   */
  constructor(
    specs: readonly AuxiliarySpec[],
    options: {
      observationSpace: Space;
      actionSpace: Box | Discrete;
      featureSize: number;
      beliefSize: number;
      numSteps: number;
      seed: number;
    },
  ) {
    const { actionSpace, featureSize, beliefSize, seed } = options;
    this.observationSpace = options.observationSpace;
    for (const spec of specs) checkSpec(spec);
    const kinds = specs.map((s) => s.kind);
    const duplicate = kinds.find((k, i) => kinds.indexOf(k) !== i);
    if (duplicate) throw new UsageError(`auxiliary: "${duplicate}" is listed twice`);
    if (specs.length > 0 && actionSpace.type !== 'discrete')
      throw new UsageError(`auxiliary: ${kinds.join(', ')} needs a Discrete action space, the env's is ${actionSpace.type}`);
    this.rng = new Rng(seed);
    this.leaves = boxLeaves(this.observationSpace);
    const numActions = specs.length > 0 ? (actionSpace as Discrete).n : 0;
    const steps = (spec: CpcAAux): number => Math.min(spec.steps ?? DEFAULT_CPCA_STEPS, Math.max(1, options.numSteps - 1));
    this.tasks = specs.map((spec) => {
      if (spec.kind === 'inverseDynamics') return inverseDynamics(spec, featureSize, numActions, this.rng);
      if (spec.kind === 'cpcA') return cpcA(spec, steps(spec), featureSize, beliefSize, numActions, this.rng);
      if (spec.kind === 'pathBearing') return pathBearing(spec, beliefSize, this.rng);
      if (spec.kind === 'stopAtGoal') return stopAtGoal(spec, numActions);
      return atGoal(spec, beliefSize, this.rng);
    });
    // pathBearing, atGoal and stopAtGoal read only the row itself: they need no successors.
    this.horizon = Math.max(0, ...specs.map((s) => (s.kind === 'cpcA' ? steps(s) : s.kind === 'inverseDynamics' ? 1 : 0)));
    this.contrastive = kinds.includes('cpcA');
    this.readsBearings = kinds.includes('pathBearing');
    this.readsAtGoals = kinds.includes('atGoal') || kinds.includes('stopAtGoal');
  }

  /** True when there is at least one loss. */
  get enabled(): boolean {
    return this.tasks.length > 0;
  }

  /** Restart the negatives' stream (the agents reseed from the run seed and the update number, so resumes are exact). */
  reseed(seed: number): void {
    this.rng.reseed(seed);
  }

  /** Every trainable variable of the heads, in a fixed order (after the network's in the optimiser). */
  variables(): tf.Variable[] {
    return this.models().flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  /** Every head weight, in a fixed order, as copies (checkpoints). */
  getWeights(): Float32Array[] {
    return this.models().flatMap((m) => m.getWeights().map((w) => (w.dataSync() as Float32Array).slice()));
  }

  /** Restore `getWeights()`'s arrays. @throws RangeError when their number or sizes differ. */
  setWeights(values: readonly Float32Array[]): void {
    let i = 0;
    for (const m of this.models()) {
      const tensors = m.getWeights().map((w) => {
        const v = values[i++];
        if (!v || v.length !== w.size)
          throw new RangeError(`auxiliary heads: weight ${i - 1} needs ${w.size} values, got ${v?.length ?? 'none'}`);
        return tf.tensor(v, w.shape);
      });
      m.setWeights(tensors);
      tf.dispose(tensors);
    }
    if (i !== values.length) throw new RangeError(`auxiliary heads: expected ${i} arrays, got ${values.length}`);
  }

  /**
   * The pairs of a minibatch whose rows `mb.rows` index `buffer` (time-major, row t·N + n): for each
   * row and offset j ≤ K, the encoded row of o_{t+j} (appending the buffer rows the minibatch
   * lacks), its mask, a_{t+j−1} and a negative. The arrays are reused by the next call of that size.
   */
  plan(mb: Minibatch, buffer: RolloutBuffer): AuxiliaryPlan {
    const B = mb.size;
    const K = this.horizon;
    const N = buffer.numEnvs;
    const T = buffer.numSteps;
    const arrays = this.planArrays(B, buffer);
    const { next, mask, actions, negatives, bearings, bearingMask, atGoals, atGoalMask, extra } = arrays;
    if (this.slot.length !== buffer.size) this.slot = new Int32Array(buffer.size).fill(-1);
    const slot = this.slot;
    const rows = mb.rows;
    for (let b = 0; b < B; b++) slot[rows[b]!] = b;
    let added = 0;
    for (let j = 1; j <= K; j++) {
      for (let b = 0; b < B; b++) {
        const k = (j - 1) * B + b;
        const i = rows[b]!;
        const t = Math.floor(i / N);
        // Same env, inside the rollout, no episode start in (t, t + j].
        const ok = (j === 1 || mask[k - B] === 1) && t + j < T && buffer.starts[i + j * N] === 0;
        mask[k] = ok ? 1 : 0;
        actions[k] = ok ? buffer.actions[i + (j - 1) * N]! : 0;
        if (ok) {
          const r = i + j * N;
          if (slot[r]! < 0) {
            slot[r] = B + added;
            extra[added++] = r;
          }
          next[k] = slot[r]!;
        } else {
          next[k] = b;
        }
      }
    }
    for (let b = 0; b < B; b++) slot[rows[b]!] = -1;
    for (let x = 0; x < added; x++) slot[extra[x]!] = -1;
    const encoded = B + added;
    if (this.readsBearings) {
      for (let b = 0; b < B; b++) {
        const bearing = buffer.pathBearings[rows[b]!]!;
        const known = Number.isFinite(bearing);
        bearingMask[b] = known ? 1 : 0;
        bearings[2 * b] = known ? Math.cos(bearing) : 0;
        bearings[2 * b + 1] = known ? Math.sin(bearing) : 0;
      }
    }
    if (this.readsAtGoals) {
      for (let b = 0; b < B; b++) {
        const label = buffer.atGoals[rows[b]!]!;
        const known = Number.isFinite(label);
        atGoalMask[b] = known ? 1 : 0;
        atGoals[b] = known ? label : 0;
      }
    }
    // Negatives: any minibatch or successor row but the positive, uniformly (never padding).
    if (this.contrastive && encoded > 1) {
      for (let k = 0; k < K * B; k++) {
        const r = this.rng.int(encoded - 1);
        negatives[k] = r >= next[k]! ? r + 1 : r;
      }
    }
    const pairs = { next, mask, actions, negatives, bearings, bearingMask, atGoals, atGoalMask };
    if (added === 0) return { size: B, rows: B, observations: mb.obs, ...pairs };
    const padded = B * (1 + Math.ceil(added / B));
    const observations = this.withExtraRows(arrays, mb, buffer, added, padded);
    return { size: B, rows: padded, observations, ...pairs };
  }

  /** Σ coef·L over the tasks, and each task's unweighted L by kind. Call inside a gradient function. */
  loss(inputs: AuxiliaryInputs): { total: tf.Scalar; parts: Array<{ kind: AuxiliarySpec['kind']; loss: tf.Scalar }> } {
    const parts = this.tasks.map((task) => ({ kind: task.kind, loss: task.loss(inputs) }));
    const total = tf.addN(parts.map((p, i) => tf.mul(this.tasks[i]!.coef, p.loss))) as tf.Scalar;
    return { total, parts };
  }

  dispose(): void {
    for (const m of this.models()) m.dispose();
  }

  private models(): tf.LayersModel[] {
    return this.tasks.flatMap((t) => t.models);
  }

  private planArrays(B: number, buffer: RolloutBuffer): PlanArrays {
    let arrays = this.arrays.get(B);
    if (!arrays) {
      const K = this.horizon;
      arrays = {
        next: new Int32Array(K * B),
        mask: new Float32Array(K * B),
        actions: new Int32Array(K * B),
        negatives: new Int32Array(K * B),
        bearings: new Float32Array(this.readsBearings ? 2 * B : 0),
        bearingMask: new Float32Array(this.readsBearings ? B : 0),
        atGoals: new Float32Array(this.readsAtGoals ? B : 0),
        atGoalMask: new Float32Array(this.readsAtGoals ? B : 0),
        extra: new Int32Array(Math.min(K * B, buffer.size)),
        observations: null,
      };
      this.arrays.set(B, arrays);
    }
    return arrays;
  }

  /** The minibatch's observations, the buffer's rows `extra[0 .. added)`, then zero rows up to `rows`, in arrays of the plan. */
  private withExtraRows(arrays: PlanArrays, mb: Minibatch, buffer: RolloutBuffer, added: number, rows: number): BatchedObservation {
    const B = mb.size;
    arrays.observations ??= allocateBatch(this.observationSpace, B * (1 + Math.ceil(arrays.extra.length / B)));
    const out = arrays.observations;
    for (const [key, box] of this.leaves) {
      const dst = batchLeaf(out, key);
      const src = batchLeaf(buffer.obs, key);
      dst.set(batchLeaf(mb.obs, key).subarray(0, B * box.size));
      for (let x = 0; x < added; x++) {
        const r = arrays.extra[x]!;
        dst.set(src.subarray(r * box.size, (r + 1) * box.size), (B + x) * box.size);
      }
      dst.fill(0, (B + added) * box.size, rows * box.size);
    }
    return out;
  }
}

// ───────────────────────────── the losses ─────────────────────────────

/** Σ mask·x / max(1, Σ mask). */
function maskedMean(x: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/** A head Linear(inputs → hidden) → ReLU → Linear(hidden → outputs), the policy's init gains. */
function mlpHead(name: string, inputs: number, hidden: number, outputs: number, rng: Rng): tf.LayersModel {
  const input = tf.input({ shape: [inputs], name: `${name}_in` });
  const relu = applyInit(tf.layers.dense({ units: hidden, activation: 'relu' }), input, GAIN.hidden, rng);
  const out = applyInit(tf.layers.dense({ units: outputs }), relu, GAIN.value, rng);
  return tf.model({ inputs: input, outputs: out, name });
}

function inverseDynamics(spec: InverseDynamicsAux, featureSize: number, numActions: number, rng: Rng): Task {
  const model = mlpHead('inverse_dynamics', 2 * featureSize, INVERSE_HIDDEN, numActions, rng);
  return {
    kind: 'inverseDynamics',
    coef: spec.coef ?? DEFAULT_AUX_COEF,
    models: [model],
    loss: ({ plan, features }) => {
      const B = plan.size;
      const current = tf.slice(features, [0, 0], [B, -1]);
      const next = tf.gather(features, tf.tensor1d(plan.next.subarray(0, B), 'int32'));
      const out = model.apply(tf.concat([current, next], 1)) as tf.Tensor2D;
      const taken = tf.oneHot(tf.tensor1d(plan.actions.subarray(0, B), 'int32'), numActions);
      const nll = tf.neg(tf.sum(tf.mul(taken, tf.logSoftmax(out)), 1)) as tf.Tensor1D;
      return maskedMean(nll, tf.tensor1d(plan.mask.subarray(0, B)));
    },
  };
}

/** CPC|A over `K` steps (the spec's, capped by the rollout length). */
function cpcA(spec: CpcAAux, K: number, featureSize: number, beliefSize: number, numActions: number, rng: Rng): Task {
  const actionIn = tf.input({ shape: [numActions], name: 'cpca_action' });
  const embedding = applyInit(tf.layers.dense({ units: ACTION_EMBEDDING, useBias: false }), actionIn, GAIN.value, rng);
  const embed = tf.model({ inputs: actionIn, outputs: embedding, name: 'cpca_embedding' });
  const query = new RecurrentCore('gru', ACTION_EMBEDDING, beliefSize, rng);
  // The scorer's first layer on [φ, q] as W_φ·φ + W_q·q + b: each encoded row and each query is projected once, not per pair.
  const targetIn = tf.input({ shape: [featureSize], name: 'cpca_target' });
  const targetProj = applyInit(tf.layers.dense({ units: SCORER_HIDDEN }), targetIn, GAIN.hidden, rng);
  const projectTarget = tf.model({ inputs: targetIn, outputs: targetProj, name: 'cpca_target_projection' });
  const queryIn = tf.input({ shape: [beliefSize], name: 'cpca_query' });
  const queryProj = applyInit(tf.layers.dense({ units: SCORER_HIDDEN, useBias: false }), queryIn, GAIN.hidden, rng);
  const projectQuery = tf.model({ inputs: queryIn, outputs: queryProj, name: 'cpca_query_projection' });
  const hiddenIn = tf.input({ shape: [SCORER_HIDDEN], name: 'cpca_hidden' });
  const score = applyInit(tf.layers.dense({ units: 1 }), hiddenIn, GAIN.value, rng);
  const scoreOut = tf.model({ inputs: hiddenIn, outputs: score, name: 'cpca_score' });
  return {
    kind: 'cpcA',
    coef: spec.coef ?? DEFAULT_AUX_COEF,
    models: [embed, query.model, projectTarget, projectQuery, scoreOut],
    loss: ({ plan, features, beliefs }) => {
      const B = plan.size;
      const n = K * B;
      // Queries q_1 … q_K of every row: the GRU over the embedded actions a_t … a_{t+K−1}, from b_t (time-major, row (j − 1)·B + b).
      const actions = tf.oneHot(tf.tensor1d(plan.actions.subarray(0, n), 'int32'), numActions);
      const queries = query.unroll(embed.apply(actions) as tf.Tensor2D, [beliefs], tf.zeros([K, B]) as tf.Tensor2D).outputs;
      const targets = projectTarget.apply(features) as tf.Tensor2D;
      const projected = projectQuery.apply(queries) as tf.Tensor2D;
      const scoreOf = (rows: Int32Array): tf.Tensor1D => {
        const hidden = tf.relu(tf.add(tf.gather(targets, tf.tensor1d(rows.subarray(0, n), 'int32')), projected));
        return tf.reshape(scoreOut.apply(hidden) as tf.Tensor2D, [n]) as tf.Tensor1D;
      };
      const bce = tf.add(tf.softplus(tf.neg(scoreOf(plan.next))), tf.softplus(scoreOf(plan.negatives))) as tf.Tensor1D;
      return maskedMean(bce, tf.tensor1d(plan.mask.subarray(0, n)));
    },
  };
}

function pathBearing(spec: PathBearingAux, beliefSize: number, rng: Rng): Task {
  const model = mlpHead('path_bearing', beliefSize, PRIVILEGED_HIDDEN, 2, rng);
  return {
    kind: 'pathBearing',
    coef: spec.coef ?? DEFAULT_AUX_COEF,
    models: [model],
    loss: ({ plan, beliefs }) => {
      const B = plan.size;
      const predicted = model.apply(beliefs) as tf.Tensor2D;
      const error = tf.sum(tf.square(tf.sub(predicted, tf.tensor2d(plan.bearings, [B, 2]))), 1) as tf.Tensor1D;
      return maskedMean(error, tf.tensor1d(plan.bearingMask));
    },
  };
}

function atGoal(spec: AtGoalAux, beliefSize: number, rng: Rng): Task {
  const model = mlpHead('at_goal', beliefSize, PRIVILEGED_HIDDEN, 1, rng);
  return {
    kind: 'atGoal',
    coef: spec.coef ?? DEFAULT_AUX_COEF,
    models: [model],
    loss: ({ plan, beliefs }) => {
      const B = plan.size;
      const logits = tf.reshape(model.apply(beliefs) as tf.Tensor2D, [B]) as tf.Tensor1D;
      // softplus(s) − y·s = −[y·log σ(s) + (1 − y)·log(1 − σ(s))], stable for any s.
      const bce = tf.sub(tf.softplus(logits), tf.mul(tf.tensor1d(plan.atGoals), logits)) as tf.Tensor1D;
      return maskedMean(bce, tf.tensor1d(plan.atGoalMask));
    },
  };
}

function stopAtGoal(spec: StopAtGoalAux, numActions: number): Task {
  const stop = spec.action ?? 0;
  if (stop >= numActions) throw new UsageError(`auxiliary: stopAtGoal.action ${stop} is not an action of Discrete(${numActions})`);
  // −∞ on STOP's column: log(1 − π(STOP)) as the log-sum-exp of the other actions' log-probabilities, stable for any logits.
  const allButStop = Float32Array.from({ length: numActions }, (_, a) => (a === stop ? -Infinity : 0));
  return {
    kind: 'stopAtGoal',
    coef: spec.coef ?? DEFAULT_AUX_COEF,
    models: [],
    loss: ({ plan, logits }) => {
      const logp = tf.logSoftmax(logits);
      const logStop = tf.reshape(tf.slice(logp, [0, stop], [-1, 1]), [-1]) as tf.Tensor1D;
      const logOther = tf.logSumExp(tf.add(logp, tf.tensor1d(allButStop)), 1) as tf.Tensor1D;
      const y = tf.tensor1d(plan.atGoals);
      const bce = tf.neg(tf.add(tf.mul(y, logStop), tf.mul(tf.sub(1, y), logOther))) as tf.Tensor1D;
      return maskedMean(bce, tf.tensor1d(plan.atGoalMask));
    },
  };
}

/** A config error of the `auxiliary` list (UsageError: the CLI prints it and exits 2). */
function checkSpec(spec: AuxiliarySpec): void {
  if (!Object.hasOwn(METRICS, spec.kind))
    throw new UsageError(`auxiliary: unknown kind "${(spec as { kind: unknown }).kind}" (${Object.keys(METRICS).join(', ')})`);
  const coef = spec.coef ?? DEFAULT_AUX_COEF;
  if (!(Number.isFinite(coef) && coef >= 0))
    throw new UsageError(`auxiliary: ${spec.kind}.coef must be a finite number ≥ 0, got ${spec.coef}`);
  if (spec.kind === 'cpcA') {
    const steps = spec.steps ?? DEFAULT_CPCA_STEPS;
    if (!(Number.isInteger(steps) && steps >= 1)) throw new UsageError(`auxiliary: cpcA.steps must be an integer ≥ 1, got ${spec.steps}`);
  }
  if (spec.kind === 'stopAtGoal') {
    const action = spec.action ?? 0;
    if (!(Number.isInteger(action) && action >= 0))
      throw new UsageError(`auxiliary: stopAtGoal.action must be an integer ≥ 0, got ${spec.action}`);
  }
}
