/**
 * Saliency of a policy over its camera images: which pixels drive the action it takes.
 *
 * The policy is the saved layers model over raw observations (`ActorCritic.toLayersModel()`, or
 * `model.json` loaded in a browser): inputs are the observation keys then the recurrent state,
 * outputs [params (logits | Gaussian means), value, …state]. Three methods:
 *
 * - **Grad-CAM** (Selvaraju et al. 2017): A = the last rank-4 feature map on the image's branch
 *   (the last convolution, after its ReLU), map = ReLU(Σ_k w_k ⊙ A_k) resized bilinearly to the image.
 *   The paper's weights are w_k = mean over the map of ∂y/∂A_k ('mean'); robonav's encoders flatten
 *   that map into a dense layer, where averaging forgets where the gradient came from and the map is
 *   often empty, so the default takes the gradient element-wise, w_k = ∂y/∂A_k ('elementwise', HiResCAM,
 *   Draelos & Carin 2020): each location's own term in the dense layer's weighted sum, to first order.
 *   y is the taken action's centred logit (Discrete) or Σ_k sign(μ_k) μ_k, the Gaussian means pushed
 *   the way the policy acts (Box).
 * - **Integrated gradients** (Sundararajan et al. 2017): attribution (x − x′) ⊙ mean over m midpoints
 *   α of ∂y/∂x at x′ + α(x − x′), black baseline x′ = 0 for every input. The image map is Σ_c |attr|;
 *   summing |attr| per observation key gives the share of each modality (image vs point goal …).
 * - **Perturbation** (Greydanus et al. 2018): the image is blurred under a Gaussian mask centred on each
 *   point of a grid, I′ = I ⊙ (1 − M) + blur(I) ⊙ M, and the score is ½‖π(I) − π(I′)‖² over the policy
 *   parameters (plus ½(V(I) − V(I′))² when the value is included), resized bilinearly to the image.
 *
 * Recurrent policies are explained at one step: the state carried into that step is an input held
 * fixed (not attributed). Every map is a Float32Array H×W (row-major) scaled to [0, 1] by its maximum
 * (all zeros when the policy ignores the image). Only `@tensorflow/tfjs` is imported, so the same code
 * runs in a browser; every tensor made here is disposed before a method returns.
 */
import * as tf from '@tensorflow/tfjs';

/** The saliency methods, by the names the CLI and the viewer use. */
export const SALIENCY_METHODS = ['gradcam', 'ig', 'perturbation'] as const;
/** A saliency method: Grad-CAM, integrated gradients or Greydanus blur perturbation. */
export type SaliencyMethod = (typeof SALIENCY_METHODS)[number];

/** What a saliency needs to know of a saved policy besides its model (the fields of `policy.json` of the same names). */
export interface SaliencyPolicyInfo {
  /** Model inputs in order: observation keys (null for a single Box), then the recurrent state's names. */
  inputs: ReadonlyArray<string | null>;
  /** The action distribution: logits ('categorical') or Gaussian means ('gaussian'). */
  distribution: 'categorical' | 'gaussian';
  /** The recurrent core (its number of state tensors), or null. */
  core: { numStates: number } | null;
}

/** One observation as the policy reads it: a typed array (single Box) or an object of them by key. */
export type SaliencyObservation = Float32Array | Uint8Array | { readonly [key: string]: unknown };

/** A map over one camera image. */
export interface SaliencyMap {
  /** The observation key of the image ('obs' for a single Box observation). */
  key: string;
  /** Image height (px). */
  height: number;
  /** Image width (px). */
  width: number;
  /** H×W row-major scores in [0, 1]. */
  data: Float32Array;
}

/** The saliency of one step: a map per image key, the action explained, and (integrated gradients) each modality's share. */
export interface SaliencyResult {
  method: SaliencyMethod;
  /** One map per image (rank-3) observation key, in model-input order. */
  maps: SaliencyMap[];
  /** The explained action: its index (Discrete) or the sign of each Gaussian mean (Box). */
  action: number | number[];
  /** Integrated gradients only: Σ|attribution| per observation key as fractions summing to 1 (all 0 when nothing moves y). */
  attribution?: Record<string, number>;
}

/** Options of the three methods; each has a default fitted to the image size. */
export interface SaliencyOptions {
  /** The Discrete action to explain. @default the most likely one */
  action?: number;
  /** Grad-CAM: the paper's channel-mean gradient weights or the element-wise gradient (HiResCAM). @default 'elementwise' */
  camWeights?: 'mean' | 'elementwise';
  /** Integrated gradients: interpolation steps m. @default 32 */
  steps?: number;
  /** Perturbation: grid spacing (px). @default max(1, round(5 · min(H, W) / 80)), Greydanus's 5 px on 80 px frames */
  stride?: number;
  /** Perturbation: σ of the Gaussian mask (px). @default the stride */
  maskSigma?: number;
  /** Perturbation: σ of the blur (px). @default max(1, 3 · min(H, W) / 80), Greydanus's 3 px on 80 px frames */
  blurSigma?: number;
  /** Perturbation: add the value's change ½(V − V′)² to the policy's. @default false */
  includeValue?: boolean;
  /** Most images per forward pass (integrated-gradient steps, perturbed frames). @default 32 */
  batchSize?: number;
}

const DEFAULT_STEPS = 32;
const DEFAULT_BATCH = 32;
/** Largest interpolation count or grid a caller may ask for: bounds the work of one call. */
const MAX_STEPS = 1024;

interface InputSpec {
  key: string;
  shape: number[];
  size: number;
  image: boolean;
}

type Overrides = ReadonlyMap<number, tf.Tensor>;

/**
 * Run a functional layers model eagerly on `inputs`, replacing the value of any symbolic tensor whose
 * id is in `overrides` (at any depth of nested models) and recording the values of `taps`. Eager
 * layer calls keep the computation on tfjs's gradient tape, so `tf.grad` differentiates through it.
 */
function runGraph(model: tf.LayersModel, inputs: readonly tf.Tensor[], overrides: Overrides, taps?: Map<number, tf.Tensor>): tf.Tensor[] {
  const values = new Map<number, tf.Tensor>();
  model.inputs.forEach((sym, i) => {
    values.set(sym.id, overrides.get(sym.id) ?? inputs[i]!);
  });
  // One layer call can have several outputs (a nested model's heads): run it once, keyed by layer and inputs.
  const calls = new Map<string, tf.Tensor[]>();
  const visit = (sym: tf.SymbolicTensor): tf.Tensor => {
    const known = values.get(sym.id) ?? overrides.get(sym.id);
    if (known) return known;
    if (sym.inputs.length === 0) throw new Error(`saliency: the model has no value for ${sym.name}`);
    const args = sym.inputs.map(visit);
    const callKey = `${sym.sourceLayer.id}:${sym.inputs.map((s) => s.id).join(',')}`;
    let outs = calls.get(callKey);
    if (!outs) {
      const layer = sym.sourceLayer;
      if (layer instanceof tf.LayersModel) outs = runGraph(layer, args, overrides, taps);
      else {
        const out = layer.apply(args.length === 1 ? args[0]! : args, sym.callArgs) as tf.Tensor | tf.Tensor[];
        outs = Array.isArray(out) ? out : [out];
      }
      calls.set(callKey, outs);
    }
    const value = overrides.get(sym.id) ?? outs[sym.outputTensorIndex ?? 0]!;
    values.set(sym.id, value);
    if (taps?.has(sym.id)) taps.set(sym.id, value);
    return value;
  };
  return model.outputs.map(visit);
}

/** Whether `sym` is computed from `source` (walking the symbolic inputs back). */
function dependsOn(sym: tf.SymbolicTensor, source: tf.SymbolicTensor, seen = new Set<number>()): boolean {
  if (sym.id === source.id) return true;
  if (seen.has(sym.id)) return false;
  seen.add(sym.id);
  return sym.inputs.some((s) => dependsOn(s, source, seen));
}

/** Every output symbolic tensor of a layer (each call of it in its model). */
function layerOutputs(layer: tf.layers.Layer): tf.SymbolicTensor[] {
  return layer.inboundNodes.flatMap((node) => node.outputTensors);
}

/**
 * The last rank-4 feature map computed from `input` inside `model`, descending into nested models:
 * the output of the image branch's last convolution (after its activation), where Grad-CAM looks.
 */
function lastFeatureMap(model: tf.LayersModel, input: tf.SymbolicTensor): tf.SymbolicTensor | null {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const layer = model.layers[i]!;
    if (layer.getClassName() === 'InputLayer') continue;
    for (const out of layerOutputs(layer)) {
      if (!dependsOn(out, input)) continue;
      if (layer instanceof tf.LayersModel) {
        // The nested model's input fed (directly or not) by `input`: its i-th input sits at call position i.
        const callInputs = out.inputs;
        for (let k = 0; k < callInputs.length; k++) {
          if (!dependsOn(callInputs[k]!, input)) continue;
          const inner = lastFeatureMap(layer, layer.inputs[k]!);
          if (inner) return inner;
        }
      } else if (out.shape.length === 4 && out.id !== input.id) {
        return out;
      }
    }
  }
  return null;
}

/** 1-D Gaussian kernel of standard deviation `sigma` (px), radius ⌈3σ⌉, summing to 1. */
function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= total;
  return k;
}

/** Separable Gaussian blur of [B, H, W, C], per channel; near the edges the kernel is renormalised over the pixels inside the frame. */
function blur(images: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const k = gaussianKernel(sigma);
    const channels = images.shape[3];
    const kx = tf.tile(tf.tensor4d(k, [1, k.length, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
    const ky = tf.tile(tf.tensor4d(k, [k.length, 1, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
    const pass = (x: tf.Tensor4D): tf.Tensor4D => tf.depthwiseConv2d(tf.depthwiseConv2d(x, kx, 1, 'same'), ky, 1, 'same');
    // Dividing by the blurred all-ones image keeps the border from darkening (the kernel's weight outside the frame).
    const weight = pass(tf.ones([1, images.shape[1], images.shape[2], channels]) as tf.Tensor4D);
    return tf.div(pass(images), weight) as tf.Tensor4D;
  });
}

/** Scale a non-negative map to [0, 1] by its maximum (zeros stay zeros). */
function normalise(values: Float32Array): Float32Array {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const out = new Float32Array(values.length);
  if (max > 0 && Number.isFinite(max)) for (let i = 0; i < values.length; i++) out[i] = Math.max(0, values[i]!) / max;
  return out;
}

/**
 * One map for a policy with several camera inputs: the maps of the first one's size combined by
 * maximum (the viewer blends one map over the camera); null when there is no map.
 */
export function combinedMap(maps: readonly SaliencyMap[]): SaliencyMap | null {
  const first = maps[0];
  if (first === undefined) return null;
  const same = maps.filter((m) => m.width === first.width && m.height === first.height);
  const data = first.data.slice();
  for (const map of same.slice(1)) for (let i = 0; i < data.length; i++) data[i] = Math.max(data[i]!, map.data[i]!);
  return { key: same.map((m) => m.key).join('+'), height: first.height, width: first.width, data };
}

/**
 * Saliency maps of one saved policy model: build it once per model, then call `gradCam`,
 * `integratedGradients`, `perturbation` or `compute` for each observation.
 *
 * @example
 * ```ts
 * const saliency = new PolicySaliency(policy.model, policy.info);
 * const { maps, attribution } = saliency.integratedGradients(obs, policy.recurrentState);
 * ```
 */
export class PolicySaliency {
  /** The observation inputs in model order; images are the rank-3 ones. */
  readonly observationInputs: ReadonlyArray<Readonly<InputSpec>>;
  /** Keys of the image inputs the maps are over, in model order. */
  readonly imageKeys: readonly string[];
  private readonly numStates: number;
  /** Per observation input: the Grad-CAM feature map's symbolic tensor (images only). */
  private readonly featureMaps: Array<tf.SymbolicTensor | null>;

  constructor(
    readonly model: tf.LayersModel,
    readonly info: SaliencyPolicyInfo,
  ) {
    this.numStates = info.core?.numStates ?? 0;
    const numObs = info.inputs.length - this.numStates;
    if (numObs < 1 || model.inputs.length !== info.inputs.length)
      throw new RangeError(
        `PolicySaliency: the model has ${model.inputs.length} inputs, the policy info names ${info.inputs.length} (${this.numStates} of them state)`,
      );
    this.observationInputs = info.inputs.slice(0, numObs).map((key, i) => {
      const shape = model.inputs[i]!.shape.slice(1) as number[];
      return { key: key ?? 'obs', shape, size: shape.reduce((a, b) => a * b, 1), image: shape.length === 3 };
    });
    this.imageKeys = this.observationInputs.filter((s) => s.image).map((s) => s.key);
    this.featureMaps = this.observationInputs.map((spec, i) => (spec.image ? lastFeatureMap(model, model.inputs[i]!) : null));
  }

  /** The map(s) of one method with its default options. */
  compute(
    method: SaliencyMethod,
    obs: SaliencyObservation,
    state: readonly tf.Tensor[] = [],
    options: SaliencyOptions = {},
  ): SaliencyResult {
    if (method === 'gradcam') return this.gradCam(obs, state, options);
    if (method === 'ig') return this.integratedGradients(obs, state, options);
    if (method === 'perturbation') return this.perturbation(obs, state, options);
    throw new RangeError(`PolicySaliency: unknown method ${String(method)}; expected one of ${SALIENCY_METHODS.join(', ')}`);
  }

  /**
   * Grad-CAM on the last feature map of each image's branch. `state` is the recurrent state carried
   * into this step ([1, size] tensors; empty without a core).
   */
  gradCam(obs: SaliencyObservation, state: readonly tf.Tensor[] = [], options: SaliencyOptions = {}): SaliencyResult {
    const inputs = this.observationTensors(obs);
    try {
      const { target, action } = this.targetFor(inputs, state, options);
      const maps: SaliencyMap[] = [];
      this.observationInputs.forEach((spec, i) => {
        if (!spec.image) return;
        const sym = this.featureMaps[i];
        const [h, w] = spec.shape as [number, number, number];
        if (!sym) {
          maps.push({ key: spec.key, height: h, width: w, data: new Float32Array(h * w) });
          return;
        }
        const data = tf.tidy(() => {
          const taps = new Map<number, tf.Tensor>([[sym.id, tf.scalar(0)]]);
          runGraph(this.model, [...inputs, ...state], new Map(), taps);
          const activation = taps.get(sym.id)! as tf.Tensor4D;
          const grad = tf.grad((a: tf.Tensor) => target(runGraph(this.model, [...inputs, ...state], new Map([[sym.id, a]]))))(activation);
          const alpha = (options.camWeights ?? 'elementwise') === 'mean' ? tf.mean(grad, [1, 2], true) : grad;
          const cam = tf.relu(tf.sum(tf.mul(alpha, activation), 3, true)) as tf.Tensor4D;
          return tf.image.resizeBilinear(cam, [h, w]).dataSync() as Float32Array;
        });
        maps.push({ key: spec.key, height: h, width: w, data: normalise(data) });
      });
      return { method: 'gradcam', maps, action };
    } finally {
      tf.dispose(inputs);
    }
  }

  /** Integrated gradients from a black (all-zero) baseline: a map per image and each observation key's share. */
  integratedGradients(obs: SaliencyObservation, state: readonly tf.Tensor[] = [], options: SaliencyOptions = {}): SaliencyResult {
    const steps = positiveInt(options.steps ?? DEFAULT_STEPS, 'steps', MAX_STEPS);
    const batchSize = positiveInt(options.batchSize ?? DEFAULT_BATCH, 'batchSize', MAX_STEPS);
    const inputs = this.observationTensors(obs);
    try {
      const { target, action } = this.targetFor(inputs, state, options);
      const sums = this.observationInputs.map((spec) => new Float32Array(spec.size));
      for (let start = 0; start < steps; start += batchSize) {
        const count = Math.min(batchSize, steps - start);
        const grads = tf.tidy(() => {
          // Midpoint rule: α = (k + ½) / m.
          const alphas = tf.div(tf.add(tf.range(start, start + count, 1, 'float32'), 0.5), steps);
          const scaled = inputs.map((x) => tf.mul(tf.reshape(alphas, [count, ...x.shape.slice(1).map(() => 1)]), x));
          const tiled = state.map((s) => tf.tile(s, [count, 1]));
          const g = tf.grads((...xs: tf.Tensor[]) => target(runGraph(this.model, [...xs, ...tiled], new Map())))(scaled);
          return g.map((t) => tf.sum(t, 0));
        });
        grads.forEach((g, i) => {
          const data = g.dataSync() as Float32Array;
          const sum = sums[i]!;
          for (let j = 0; j < sum.length; j++) sum[j]! += data[j]!;
        });
        tf.dispose(grads);
      }
      const totals: number[] = [];
      const maps: SaliencyMap[] = [];
      this.observationInputs.forEach((spec, i) => {
        const x = inputs[i]!.dataSync() as Float32Array;
        const attr = sums[i]!;
        let total = 0;
        for (let j = 0; j < attr.length; j++) {
          attr[j] = Math.abs((x[j]! * attr[j]!) / steps);
          total += attr[j]!;
        }
        totals.push(total);
        if (!spec.image) return;
        const [h, w, c] = spec.shape as [number, number, number];
        const map = new Float32Array(h * w);
        for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) map[p]! += attr[p * c + k]!;
        maps.push({ key: spec.key, height: h, width: w, data: normalise(map) });
      });
      const all = totals.reduce((a, b) => a + b, 0);
      const attribution: Record<string, number> = {};
      this.observationInputs.forEach((spec, i) => {
        attribution[spec.key] = all > 0 && Number.isFinite(all) ? totals[i]! / all : 0;
      });
      return { method: 'ig', maps, action, attribution };
    } finally {
      tf.dispose(inputs);
    }
  }

  /** Greydanus et al.'s blur perturbation on a grid over each image. */
  perturbation(obs: SaliencyObservation, state: readonly tf.Tensor[] = [], options: SaliencyOptions = {}): SaliencyResult {
    const batchSize = positiveInt(options.batchSize ?? DEFAULT_BATCH, 'batchSize', MAX_STEPS);
    const inputs = this.observationTensors(obs);
    try {
      const { action } = this.targetFor(inputs, state, options);
      const maps: SaliencyMap[] = [];
      const [params0, value0] = tf.tidy(() => {
        const out = runGraph(this.model, [...inputs, ...state], new Map());
        return [tf.clone(out[0]!), tf.clone(out[1]!)];
      });
      try {
        this.observationInputs.forEach((spec, i) => {
          if (!spec.image) return;
          const [h, w] = spec.shape as [number, number, number];
          const side = Math.min(h, w);
          const stride = positiveInt(options.stride ?? Math.max(1, Math.round((5 * side) / 80)), 'stride', side);
          const maskSigma = positiveNumber(options.maskSigma ?? stride, 'maskSigma');
          const blurSigma = positiveNumber(options.blurSigma ?? Math.max(1, (3 * side) / 80), 'blurSigma');
          // Grid centres spread evenly from the first to the last pixel, so that resizing with aligned corners is exact.
          const gy = Math.max(2, Math.floor((h - 1) / stride) + 1);
          const gx = Math.max(2, Math.floor((w - 1) / stride) + 1);
          const centres: Array<[number, number]> = [];
          for (let a = 0; a < gy; a++) for (let b = 0; b < gx; b++) centres.push([(a * (h - 1)) / (gy - 1), (b * (w - 1)) / (gx - 1)]);
          const scores = new Float32Array(centres.length);
          const blurred = blur(inputs[i] as tf.Tensor4D, blurSigma);
          try {
            for (let start = 0; start < centres.length; start += batchSize) {
              const chunk = centres.slice(start, start + batchSize);
              const s = tf.tidy(() => {
                const mask = new Float32Array(chunk.length * h * w);
                chunk.forEach(([cy, cx], n) => {
                  for (let y = 0; y < h; y++)
                    for (let x = 0; x < w; x++)
                      mask[n * h * w + y * w + x] = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * maskSigma ** 2));
                });
                const m = tf.tensor4d(mask, [chunk.length, h, w, 1]);
                const image = inputs[i]!;
                const perturbed = tf.add(tf.mul(image, tf.sub(1, m)), tf.mul(blurred, m));
                const xs = inputs.map((x, k) => (k === i ? perturbed : tf.tile(x, [chunk.length, ...x.shape.slice(1).map(() => 1)])));
                const out = runGraph(this.model, [...xs, ...state.map((t) => tf.tile(t, [chunk.length, 1]))], new Map());
                let score = tf.sum(tf.square(tf.sub(out[0]!, params0!)), 1);
                if (options.includeValue)
                  score = tf.add(score, tf.sum(tf.square(tf.sub(tf.reshape(out[1]!, [chunk.length, -1]), value0!)), 1));
                return tf.mul(score, 0.5).dataSync() as Float32Array;
              });
              scores.set(s, start);
            }
          } finally {
            blurred.dispose();
          }
          const data = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(scores, [1, gy, gx, 1]), [h, w], true).dataSync() as Float32Array);
          maps.push({ key: spec.key, height: h, width: w, data: normalise(data) });
        });
      } finally {
        tf.dispose([params0!, value0!]);
      }
      return { method: 'perturbation', maps, action };
    } finally {
      tf.dispose(inputs);
    }
  }

  /** [1, …shape] float32 tensors of one observation, in model-input order. */
  private observationTensors(obs: SaliencyObservation): tf.Tensor[] {
    return this.observationInputs.map((spec) => {
      const single = this.observationInputs.length === 1 && (obs instanceof Float32Array || obs instanceof Uint8Array);
      const value = single ? obs : (obs as Record<string, unknown>)[spec.key];
      if (!(value instanceof Float32Array || value instanceof Uint8Array) || value.length !== spec.size)
        throw new RangeError(`PolicySaliency: observation "${spec.key}" must be a typed array of ${spec.size} values`);
      return tf.tensor(value, [1, ...spec.shape], 'float32');
    });
  }

  /**
   * The scalar y the gradients differentiate: the explained action's logit summed over the batch
   * (Discrete), or Σ_k sign(μ_k) μ_k with the signs at the real observation (Box).
   */
  private targetFor(
    inputs: readonly tf.Tensor[],
    state: readonly tf.Tensor[],
    options: SaliencyOptions,
  ): { target: (outputs: tf.Tensor[]) => tf.Scalar; action: number | number[] } {
    if (options.camWeights !== undefined && options.camWeights !== 'mean' && options.camWeights !== 'elementwise')
      throw new RangeError(`PolicySaliency: camWeights must be 'mean' or 'elementwise', got ${String(options.camWeights)}`);
    if (state.length !== this.numStates)
      throw new RangeError(`PolicySaliency: the policy carries ${this.numStates} state tensors, got ${state.length}`);
    const params = tf.tidy(() => runGraph(this.model, [...inputs, ...state], new Map())[0]!.dataSync() as Float32Array);
    if (this.info.distribution === 'categorical') {
      let action = options.action ?? 0;
      if (options.action === undefined) for (let k = 1; k < params.length; k++) if (params[k]! > params[action]!) action = k;
      if (!Number.isInteger(action) || action < 0 || action >= params.length)
        throw new RangeError(`PolicySaliency: action must be an integer in [0, ${params.length}), got ${action}`);
      // Centred logit z_a − mean_k z_k: logits are defined up to a shared shift, which changes no probability.
      const onehot = new Float32Array(params.length).fill(-1 / params.length);
      onehot[action]! += 1;
      return { target: (out) => tf.sum(tf.mul(out[0]!, tf.tensor1d(onehot))), action };
    }
    const signs = Array.from(params, (v) => (v < 0 ? -1 : 1));
    return { target: (out) => tf.sum(tf.mul(out[0]!, tf.tensor1d(signs))), action: signs };
  }
}

function positiveInt(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(`PolicySaliency: ${name} must be an integer in [1, ${max}], got ${value}`);
  return value;
}

function positiveNumber(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`PolicySaliency: ${name} must be a positive number, got ${value}`);
  return value;
}
