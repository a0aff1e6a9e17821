/**
 * Pretrained perception modules on disk, and how an agent starts from them.
 *
 * A pretraining run (`robonav pretrain cnn|gan|rnn --out DIR`) writes
 * ```
 * DIR/pretrain.json      manifest: kind, input field and shape, config, metrics
 * DIR/encoder/           the encoder as a TensorFlow.js layers model (model.json + weights.bin)
 * DIR/core/              (rnn only) the recurrent core's step model
 * …                      task-specific models (decoder, generator, discriminator) and PNGs
 * ```
 * `readPretrained` loads a module's weights (async); `applyPretrainedEncoder` copies them into the
 * matching branch of an agent's encoder model (`ActorCritic.encoder`), checking every weighted
 * layer's shapes first, and can freeze it; `applyPretrainedCore` starts a policy's `RecurrentCore`
 * from a pretrained one (see there for what carries over). The apply functions are synchronous so
 * an agent can run them in its constructor, before its optimiser collects the trainable variables
 * (freezing afterwards would desynchronise it). Weights are matched by the order and shape of
 * weighted layers (conv, dense), not by layer names: names differ between the pretraining graph
 * and the policy graph, the architecture does not.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { readJsonFile } from '../core/jsonFile.js';
import type { RecurrentCore } from '../nn/cores.js';
import { loadModel } from '../nn/fileIO.js';
import { writeFileAtomicSync } from '../core/atomicWrite.js';

export const PRETRAIN_MANIFEST = 'pretrain.json';
export const PRETRAIN_VERSION = 1;

/** A pretraining run's `pretrain.json`: the kind, the input field and shape, and what the run recorded. */
export interface PretrainManifest {
  version: number;
  kind: 'cnn' | 'gan' | 'rnn';
  /** The observation key the encoder reads (e.g. 'rgb'). */
  field: string;
  /** The encoder's input shape [H, W, C] (raw observation values: uint8 pixels, depth in m). */
  inputShape: number[];
  /** Everything else the run wants to record: task, config, steps, metrics. */
  [key: string]: unknown;
}

/** What `readManifest` checks of a `pretrain.json`: the fields robonav reads; the rest is kept as written. */
const PretrainManifestSchema = z.looseObject({
  version: z.literal(PRETRAIN_VERSION),
  kind: z.enum(['cnn', 'gan', 'rnn']),
  field: z.string(),
  inputShape: z.array(z.number().int().positive()),
});

export function writeManifest(dir: string, manifest: PretrainManifest): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomicSync(join(dir, PRETRAIN_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
}

/**
 * Read `dir/pretrain.json`; a missing folder is a `UsageError` (a bad --encoder/--core argument), a
 * missing or malformed manifest a `FileFormatError` naming it and the field.
 */
export function readManifest(dir: string): PretrainManifest {
  if (!existsSync(dir)) throw new UsageError(`pretrained folder ${dir} does not exist`);
  return readJsonFile(join(dir, PRETRAIN_MANIFEST), PretrainManifestSchema, 'missing: not a robonav pretraining folder');
}

/** A layer that owns weights, with the shapes of its weights (kernel first). */
interface WeightedLayer {
  layer: tf.layers.Layer;
  shapes: number[][];
}

function weighted(layers: readonly tf.layers.Layer[]): WeightedLayer[] {
  return layers.filter((l) => l.weights.length > 0).map((layer) => ({ layer, shapes: layer.weights.map((w) => [...w.shape] as number[]) }));
}

/** Names of the model inputs a layer depends on (following inbound nodes back to the inputs). */
function inputsOf(layer: tf.layers.Layer, memo: Map<tf.layers.Layer, Set<string>>): Set<string> {
  const known = memo.get(layer);
  if (known) return known;
  const out = new Set<string>();
  memo.set(layer, out);
  const inbound = (layer as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
  const parents = inbound.flatMap((n) => n.inboundLayers);
  if (parents.length === 0) out.add(layer.name);
  for (const p of parents) for (const name of inputsOf(p, memo)) out.add(name);
  return out;
}

/** One weighted layer of a pretrained module: its class, weight shapes and values. */
interface PretrainedLayer {
  className: string;
  shapes: number[][];
  values: tf.Tensor[];
  /** Whether the layer reads the model's first input alone (for a core: an input projection W·x + b). */
  readsInput: boolean;
}

/** The weighted layers of `model` with copies of their values. */
function pretrainedLayers(model: tf.LayersModel): PretrainedLayer[] {
  const memo = new Map<tf.layers.Layer, Set<string>>();
  const first = model.inputLayers[0]!.name;
  return weighted(model.layers).map((w) => {
    const deps = inputsOf(w.layer, memo);
    return {
      className: w.layer.getClassName(),
      shapes: w.shapes,
      values: w.layer.getWeights().map((t) => t.clone()),
      readsInput: deps.size === 1 && deps.has(first),
    };
  });
}

/**
 * The weights of a pretrained encoder or core, read from disk and held in memory (so that an agent
 * can apply them synchronously in its constructor, before its optimiser collects the trainable
 * variables). `dispose()` frees them.
 */
export interface PretrainedModule {
  dir: string;
  part: 'encoder' | 'core';
  manifest: PretrainManifest;
  layers: PretrainedLayer[];
  /**
   * (core only) The encoder whose features the core was pretrained over (`dir/encoder/`): its input
   * weights mean something only to a policy whose core reads those same features.
   */
  features: PretrainedLayer[];
  /** (core only) How that encoder scales its raw input (`rescalings`), e.g. depth in m → [0, 1]. */
  featureScaling: string;
  dispose(): void;
}

/** The scale and offset of every Rescaling layer of `model` (the raw-observation normalisation), as text. */
function rescalings(model: tf.LayersModel): string {
  const rescale = model.layers
    .filter((l) => l.getClassName() === 'Rescaling')
    .map((l) => l.getConfig() as { scale: number; offset: number });
  return rescale.map((c) => `×${c.scale} + ${c.offset}`).join(', ') || 'none';
}

async function readLayers(dir: string): Promise<{ layers: PretrainedLayer[]; scaling: string }> {
  const model = await loadModel(dir);
  const layers = pretrainedLayers(model);
  const scaling = rescalings(model);
  model.dispose();
  return { layers, scaling };
}

/** Read `dir/pretrain.json` and `dir/<part>/` (a `robonav pretrain` output; a core also reads `dir/encoder/`). */
export async function readPretrained(dir: string, part: 'encoder' | 'core'): Promise<PretrainedModule> {
  const manifest = readManifest(dir);
  if (part === 'core' && manifest.kind !== 'rnn')
    throw new UsageError(`${dir}: a ${manifest.kind} run has no recurrent core (use a \`robonav pretrain rnn\` output)`);
  const { layers } = await readLayers(join(dir, part));
  const encoder = part === 'core' ? await readLayers(join(dir, 'encoder')) : { layers: [], scaling: 'none' };
  const features = encoder.layers;
  return {
    dir,
    part,
    manifest,
    layers,
    features,
    featureScaling: encoder.scaling,
    dispose: () => tf.dispose([...layers, ...features].flatMap((l) => l.values)),
  };
}

function describeShapes(layers: ReadonlyArray<{ className: string; shapes: number[][] }>): string {
  return layers.map((l) => `${l.className}[${l.shapes[0]!.join('×')}]`).join(', ') || 'no layers';
}

function sameShapes(a: ReadonlyArray<{ shapes: number[][] }>, b: ReadonlyArray<{ shapes: number[][] }>): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.shapes.length === b[i]!.shapes.length && x.shapes.every((s, k) => s.join() === b[i]!.shapes[k]!.join()))
  );
}

export interface LoadEncoderOptions {
  /** Mark the copied layers non-trainable (agents then leave them as pretrained). @default false */
  freeze?: boolean;
  /**
   * The target model input to start from, by name (e.g. 'obs_rgb' for a Dict key 'rgb', 'obs' for
   * a single Box). @default the input named after the manifest's field, else the only input with
   * the pretrained input shape
   */
  input?: string;
}

/**
 * Copy a pretrained encoder into the branch of `target` (an agent's encoder model) that starts at
 * one image input: the weighted layers that depend on that input alone (up to the fusion of
 * several inputs). They must match the pretrained encoder's weighted layers in number and shape;
 * otherwise a `UsageError` lists both architectures and nothing changes. Returns the names of the
 * target layers that received weights. Synchronous, so an agent can call it in its constructor.
 */
export function applyPretrainedEncoder(pretrained: PretrainedModule, target: tf.LayersModel, options: LoadEncoderOptions = {}): string[] {
  const { manifest, dir } = pretrained;
  const inputLayers = target.inputLayers;
  let input = options.input;
  if (input === undefined) {
    const byField = inputLayers.find((l) => l.name === `obs_${manifest.field}`);
    const byShape = target.inputs.filter((t) => t.shape.slice(1).join() === manifest.inputShape.join());
    if (byField) input = byField.name;
    else if (byShape.length === 1) input = inputLayers[target.inputs.indexOf(byShape[0]!)]!.name;
    else {
      const inputs = inputLayers.map((l, i) => `${l.name} [${target.inputs[i]!.shape.slice(1)}]`).join(', ');
      throw new UsageError(
        `${dir}: cannot tell which policy input the encoder (field "${manifest.field}", shape [${manifest.inputShape}]) belongs to; inputs: ${inputs}`,
      );
    }
  }
  if (!inputLayers.some((l) => l.name === input))
    throw new UsageError(`${dir}: the policy has no input "${input}" (inputs: ${inputLayers.map((l) => l.name).join(', ')})`);
  const memo = new Map<tf.layers.Layer, Set<string>>();
  const branch = weighted(
    target.layers.filter((l) => {
      const deps = inputsOf(l, memo);
      return deps.size === 1 && deps.has(input!);
    }),
  );
  if (!sameShapes(branch, pretrained.layers)) {
    const policy = branch.map((b) => ({ className: b.layer.getClassName(), shapes: b.shapes }));
    throw new UsageError(
      `${dir}: the pretrained encoder does not match the policy's "${input}" encoder — pretrained: ${describeShapes(pretrained.layers)}; policy: ${describeShapes(policy)}`,
    );
  }
  branch.forEach((b, i) => {
    b.layer.setWeights(pretrained.layers[i]!.values);
    if (options.freeze) b.layer.trainable = false;
  });
  return branch.map((b) => b.layer.name);
}

/** What `applyPretrainedCore` copied. */
export interface CoreTransfer {
  /** True when the input kernels W_x were copied too (the policy's core reads the pretraining features). */
  inputWeights: boolean;
  /** Why the input kernels kept the policy's initialisation; null when they were copied. */
  reason: string | null;
}

/** Names of the policy's observation inputs, for messages ('obs_depth' → 'depth'). */
function inputNames(encoder: tf.LayersModel): string {
  return encoder.inputLayers.map((l) => l.name.replace(/^obs_/, '')).join(' + ');
}

/**
 * Why the features `encoder` computes are not the ones `pretrained` (a core) was trained over, or
 * null when they are: the policy reads one observation, of the pretraining field and shape, through
 * an encoder whose weights are exactly the pretraining encoder's (e.g. copied with
 * `applyPretrainedEncoder` from the same run) and that scales the raw observation alike (the same
 * bounds, e.g. depth range in m). A fused Dict observation never matches: its fusion
 * MLP is new, so its features are not the pretraining encoder's even at equal size.
 */
export function coreInputMismatch(pretrained: PretrainedModule, encoder: tf.LayersModel): string | null {
  const { manifest, dir } = pretrained;
  const info = manifest.core as { inputSize?: number } | undefined;
  const pretrainedFeatures = `the ${manifest.field} encoder features (${info?.inputSize ?? '?'}) it was pretrained over`;
  const size = encoder.outputs[0]!.shape[1];
  if (encoder.inputs.length !== 1) {
    return `the policy's core reads the fused features of ${inputNames(encoder)} (${size}), not ${pretrainedFeatures}; for a full copy train on the ${manifest.field} observation alone (--env-options '{"sensors":["${manifest.field}"]}') with --encoder ${dir}`;
  }
  const shape = encoder.inputs[0]!.shape.slice(1);
  const name = encoder.inputLayers[0]!.name;
  if (shape.join() !== manifest.inputShape.join() || (name !== 'obs' && name !== `obs_${manifest.field}`)) {
    return `the policy's core reads features of ${inputNames(encoder)} [${shape}], not ${pretrainedFeatures} from ${manifest.field} [${manifest.inputShape}]`;
  }
  const policy = weighted(encoder.layers);
  const same =
    sameShapes(policy, pretrained.features) &&
    policy.every((p, i) =>
      p.layer.getWeights().every((w, k) => tf.tidy(() => tf.all(tf.equal(w, pretrained.features[i]!.values[k]!)).dataSync()[0] === 1)),
    );
  if (!same)
    return `the policy's ${manifest.field} encoder is not the one the core was pretrained over (start it from the same weights: --encoder ${dir})`;
  const scaling = rescalings(encoder);
  if (scaling !== pretrained.featureScaling) {
    return `the policy scales its ${manifest.field} input by ${scaling}, the pretraining frames were scaled by ${pretrained.featureScaling} (other observation bounds, e.g. camera range: collect the data with the policy's env options)`;
  }
  return null;
}

/**
 * Start the recurrent core of `network` (an `ActorCritic`) from a pretrained core. Kind and size
 * must match, else a `UsageError` names both and how to make them agree, and nothing changes.
 * What carries over:
 * - always the recurrent kernels U (h → gates) and every bias: the core's memory dynamics;
 * - the input kernels W (features → gates) only when the policy's core reads exactly the features
 *   the core was pretrained over (`coreInputMismatch` is null); otherwise they keep the policy's
 *   initialisation, since weights tuned to other features would only be noise, and the returned
 *   `reason` says why.
 * Synchronous, so an agent can call it in its constructor.
 */
export function applyPretrainedCore(
  pretrained: PretrainedModule,
  network: { encoder: tf.LayersModel; core: RecurrentCore | null },
): CoreTransfer {
  const { dir } = pretrained;
  const info = pretrained.manifest.core as { kind?: string; size?: number; inputSize?: number } | undefined;
  const core = network.core;
  const pretrainedDesc = `a ${info?.kind ?? '?'} core of ${info?.size ?? '?'} units`;
  if (!core)
    throw new UsageError(
      `${dir}: the policy has no recurrent core to start from ${pretrainedDesc} (set "network": {"core": "${info?.kind ?? 'gru'}"} in --config)`,
    );
  const target = weighted(core.model.layers);
  if (info?.kind !== core.kind || info.size !== core.size || target.length !== pretrained.layers.length) {
    throw new UsageError(
      `${dir}: the pretrained core (${pretrainedDesc}) does not match the policy's ${core.kind} core of ${core.size} units — set "network": {"core": "${info?.kind ?? '?'}", "coreSize": ${info?.size ?? '?'}} in --config, or pretrain with robonav pretrain rnn --core ${core.kind} --core-size ${core.size}`,
    );
  }
  const reason = coreInputMismatch(pretrained, network.encoder);
  const inputWeights = reason === null;
  // Which of each layer's weights to copy: all of them, or (input projections, features differ) the bias only.
  const copies = pretrained.layers.map((p, i) =>
    p.shapes.map((shape, k) =>
      p.readsInput && !inputWeights && k === 0 ? null : { shape, value: p.values[k]!, target: target[i]!.shapes[k]! },
    ),
  );
  const bad = copies.flat().find((c) => c !== null && c.shape.join() !== c.target.join());
  if (bad) {
    throw new UsageError(
      `${dir}: the pretrained core's weights [${describeShapes(pretrained.layers)}] do not fit the policy's ${core.kind} core of ${core.size} units over ${core.inputSize} features`,
    );
  }
  target.forEach((t, i) => {
    const current = t.layer.getWeights();
    t.layer.setWeights(copies[i]!.map((c, k) => c?.value ?? current[k]!));
  });
  return { inputWeights, reason };
}

export interface LoadEncoderResult {
  manifest: PretrainManifest;
  /** The target layers that received weights. */
  layers: string[];
}

/** `readPretrained(dir, 'encoder')` + `applyPretrainedEncoder`, for code that can await. */
export async function loadPretrainedEncoder(
  dir: string,
  target: tf.LayersModel,
  options: LoadEncoderOptions = {},
): Promise<LoadEncoderResult> {
  const pretrained = await readPretrained(dir, 'encoder');
  try {
    return { manifest: pretrained.manifest, layers: applyPretrainedEncoder(pretrained, target, options) };
  } finally {
    pretrained.dispose();
  }
}

/** `readPretrained(dir, 'core')` + `applyPretrainedCore`, for code that can await. */
export async function loadPretrainedCore(
  dir: string,
  network: { encoder: tf.LayersModel; core: RecurrentCore | null },
): Promise<CoreTransfer & { manifest: PretrainManifest }> {
  const pretrained = await readPretrained(dir, 'core');
  try {
    return { manifest: pretrained.manifest, ...applyPretrainedCore(pretrained, network) };
  } finally {
    pretrained.dispose();
  }
}
