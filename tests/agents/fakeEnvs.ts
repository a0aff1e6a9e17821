/**
 * Tiny seeded envs for agent tests. Each is solvable in a few thousand steps and has a known
 * random-policy score, so a test can demand "well beyond random".
 */
import type { Env, ResetArgs, ResetResult, StepResult } from '../../src/core/Env.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';

/**
 * Contextual bandit: a one-hot cue of `n` classes; action = cue gives reward 1, else 0; one step.
 * Random policy: mean return 1/n.
 */
export class CueBandit implements Env<Float32Array, number> {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  private readonly rng: Rng;
  private cue = 0;
  private readonly obs: Float32Array;

  constructor(
    readonly n = 2,
    seed = 0,
  ) {
    this.observationSpace = new Box(0, 1, [n]);
    this.actionSpace = new Discrete(n);
    this.rng = new Rng(seed);
    this.obs = new Float32Array(n);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.cue = this.rng.int(this.n);
    this.obs.fill(0);
    this.obs[this.cue] = 1;
    return { obs: this.obs, info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    const success = action === this.cue ? 1 : 0;
    return { obs: this.obs, reward: success, terminated: true, truncated: false, info: { success } };
  }

  close(): void {}
}

/**
 * Continuous target: observe a target x ∈ [−1, 1], act a ∈ [−2, 2], reward −(a − x)²; one step.
 * A fresh Gaussian policy (mean 0, σ = 1) scores about −(1/3 + 1) ≈ −1.33.
 */
export class TargetReach implements Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(-1, 1, [1]);
  readonly actionSpace = new Box(-2, 2, [1]);
  private readonly rng: Rng;
  private readonly obs = new Float32Array(1);

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.obs[0] = this.rng.uniform(-1, 1);
    return { obs: this.obs, info: {} };
  }

  step(action: Float32Array): StepResult<Float32Array> {
    return { obs: this.obs, reward: -((action[0]! - this.obs[0]!) ** 2), terminated: true, truncated: false, info: {} };
  }

  close(): void {}
}

/**
 * Memory: step 0 shows a one-hot cue (2 classes) in `cue`, then `delay` blank steps, then the agent
 * must answer with the cue's action (reward 1, success 1, else 0). Actions before the answer step
 * do nothing. Feed-forward policies cannot beat 0.5; a recurrent one can reach 1. Every info but
 * the answer's carries the cue as `pathBearing` (+π/2 for cue 0, −π/2 for cue 1) and as `atGoal`
 * (1 for cue 0, 0 for cue 1): privileged targets for the pathBearing and atGoal auxiliary losses.
 */
export class CueMemory implements Env {
  readonly observationSpace = new Dict({ cue: new Box(0, 1, [2]), phase: new Box(0, 1, [1]) });
  readonly actionSpace = new Discrete(2);
  private readonly rng: Rng;
  private cue = 0;
  private t = 0;
  private readonly obs = { cue: new Float32Array(2), phase: new Float32Array(1) };

  constructor(
    readonly delay = 2,
    seed = 0,
  ) {
    this.rng = new Rng(seed);
  }

  reset(args: ResetArgs = {}): ResetResult {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.cue = this.rng.int(2);
    this.t = 0;
    this.write();
    return { obs: this.obs, info: this.privileged() };
  }

  step(action: number | Float32Array | number[]): StepResult {
    this.t++;
    if (this.t <= this.delay) {
      this.write();
      return { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.privileged() };
    }
    const success = action === this.cue ? 1 : 0;
    return { obs: this.obs, reward: success, terminated: true, truncated: false, info: { success } };
  }

  private write(): void {
    this.obs.cue.fill(0);
    if (this.t === 0) this.obs.cue[this.cue] = 1;
    this.obs.phase[0] = this.t === this.delay ? 1 : 0;
  }

  private privileged(): { pathBearing: number; atGoal: number } {
    return { pathBearing: this.cue === 0 ? Math.PI / 2 : -Math.PI / 2, atGoal: this.cue === 0 ? 1 : 0 };
  }

  close(): void {}
}

/**
 * A picture cue: a 6×6 uint8 image lit on its left or right half, plus a vector [bias] in a Dict;
 * the action naming the lit side gives reward 1. Exercises the CNN + MLP + fusion path.
 */
export class ImageCue implements Env {
  readonly observationSpace = new Dict({ image: new Box(0, 255, [6, 6, 1], 'uint8'), bias: new Box(-1, 1, [1]) });
  readonly actionSpace = new Discrete(2);
  private readonly rng: Rng;
  private side = 0;
  private readonly obs = { image: new Uint8Array(36), bias: new Float32Array(1) };

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(args: ResetArgs = {}): ResetResult {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.side = this.rng.int(2);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) this.obs.image[r * 6 + c] = c < 3 === (this.side === 0) ? 255 : 0;
    this.obs.bias[0] = this.rng.uniform(-1, 1);
    return { obs: this.obs, info: {} };
  }

  step(action: number | Float32Array | number[]): StepResult {
    const success = action === this.side ? 1 : 0;
    return { obs: this.obs, reward: success, terminated: true, truncated: false, info: { success } };
  }

  close(): void {}
}

/**
 * A fixed chain for exact-resume tests: the observation is the step index one-hot (length L), the
 * reward is 1 for action 1 and 0 for action 0, and every episode truncates after exactly L steps.
 * Nothing is random, so any env reset gives the same trajectory for the same actions.
 */
export class FixedChain implements Env<Float32Array, number> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  private t = 0;
  private readonly obs: Float32Array;

  constructor(readonly length = 4) {
    this.observationSpace = new Box(0, 1, [length]);
    this.obs = new Float32Array(length);
  }

  reset(): ResetResult<Float32Array> {
    this.t = 0;
    this.obs.fill(0);
    this.obs[0] = 1;
    return { obs: this.obs, info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    this.t++;
    this.obs.fill(0);
    this.obs[Math.min(this.t, this.length - 1)] = 1;
    return { obs: this.obs, reward: action, terminated: false, truncated: this.t >= this.length, info: {} };
  }

  close(): void {}
}

/**
 * A cue in one corner: a 12×12 uint8 image of uniform noise in [0, 128) whose top-left 4×4 patch is
 * 255 (answer 1) or 0 (answer 0); the action naming it gives reward 1. Only the patch predicts the
 * reward, so a trained policy's saliency should sit on it.
 */
export class PatchCue implements Env {
  static readonly SIZE = 12;
  static readonly PATCH = 4;
  readonly observationSpace = new Dict({
    image: new Box(0, 255, [PatchCue.SIZE, PatchCue.SIZE, 1], 'uint8'),
    bias: new Box(-1, 1, [1]),
  });
  readonly actionSpace = new Discrete(2);
  private readonly rng: Rng;
  private side = 0;
  private readonly obs = { image: new Uint8Array(PatchCue.SIZE * PatchCue.SIZE), bias: new Float32Array(1) };

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(args: ResetArgs = {}): ResetResult {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.side = this.rng.int(2);
    const n = PatchCue.SIZE;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const inPatch = r < PatchCue.PATCH && c < PatchCue.PATCH;
        this.obs.image[r * n + c] = inPatch ? this.side * 255 : this.rng.int(128);
      }
    }
    this.obs.bias[0] = this.rng.uniform(-1, 1);
    return { obs: this.obs, info: {} };
  }

  step(action: number | Float32Array | number[]): StepResult {
    const success = action === this.side ? 1 : 0;
    return { obs: this.obs, reward: success, terminated: true, truncated: false, info: { success } };
  }

  close(): void {}
}

/**
 * The image is noise, the vector is the cue: a 6×6 uint8 image of uniform noise, its brightness drawn
 * from all black to full range each episode, beside a one-hot cue of 2 classes; the action naming the
 * cue gives reward 1. A trained policy has no reason to look at the image, black or not.
 */
export class NoiseImageCue implements Env {
  readonly observationSpace = new Dict({ image: new Box(0, 255, [6, 6, 1], 'uint8'), cue: new Box(0, 1, [2]) });
  readonly actionSpace = new Discrete(2);
  private readonly rng: Rng;
  private cue = 0;
  private readonly obs = { image: new Uint8Array(36), cue: new Float32Array(2) };

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(args: ResetArgs = {}): ResetResult {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    this.cue = this.rng.int(2);
    const brightness = this.rng.random();
    for (let i = 0; i < 36; i++) this.obs.image[i] = Math.floor(brightness * this.rng.int(256));
    this.obs.cue.fill(0);
    this.obs.cue[this.cue] = 1;
    return { obs: this.obs, info: {} };
  }

  step(action: number | Float32Array | number[]): StepResult {
    const success = action === this.cue ? 1 : 0;
    return { obs: this.obs, reward: success, terminated: true, truncated: false, info: { success } };
  }

  close(): void {}
}
