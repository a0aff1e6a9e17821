/**
 * Saving and loading TensorFlow.js layers models on disk without tfjs-node, in the standard
 * format: `model.json` (topology + weights manifest) and `weights.bin` (all weights, one shard).
 * The browser viewer loads the same files with `tf.loadLayersModel(url)`.
 *
 * Each file is written to a temporary name in the same directory and renamed into place, so a
 * crash never leaves a half-written file under the real name. `weights.bin` is renamed before
 * `model.json`: a `model.json` on disk always has its weights beside it.
 *
 * Loading trusts the files no further than it checked them: the weights manifest is validated, its
 * paths must stay inside the model folder, the weight files' sizes must be what the manifest's
 * shapes and dtypes add up to before any of them is read, and every layer call of a functional
 * topology must read a layer and node that the model makes (tfjs would wait for it forever).
 *
 * Weights may be stored quantised (float16, or uint8 with a scale and a minimum per tensor) in
 * tfjs's own manifest format; `quantizeModel` writes such a copy, and tfjs dequantises the
 * weights at load, here and in the browser. Their manifest fields are checked like the rest.
 *
 * ```ts
 * await saveModel(model, 'runs/ppo/policy');            // writes model.json + weights.bin
 * const policy = await loadModel('runs/ppo/policy');     // a tf.LayersModel
 * ```
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { FileFormatError, formatZodError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { BYTES_PER_VALUE, type QuantizationDtype, quantizeWeightData } from './quantize.js';

/** The model's topology and weight manifest, in a model folder. */
export const MODEL_JSON = 'model.json';
/** The model's weights, one binary file, in a model folder. */
export const WEIGHTS_BIN = 'weights.bin';

/** An IOHandler for `model.save(fileIO(dir))` and `tf.loadLayersModel(fileIO(dir))`. */
export function fileIO(dir: string): tf.io.IOHandler {
  return { save: (artifacts) => saveArtifacts(dir, artifacts), load: () => loadArtifacts(dir) };
}

/** Save `model` as `dir/model.json` + `dir/weights.bin`, creating `dir` if needed. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  await mkdir(dir, { recursive: true });
  return model.save(fileIO(dir));
}

/**
 * Load the layers model saved in `dir`.
 * @throws FileFormatError naming the file that is missing, unreadable or inconsistent.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileIO(dir));
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(
      path.join(dir, MODEL_JSON),
      `not a loadable layers model: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * Write a copy of the model saved in `srcDir` into `outDir` with its float32 weights stored as
 * `dtype` (`src/nn/quantize.ts`); `'float32'` copies the weights unchanged. The source is read
 * through the same checks as `loadModel`; the copy is written as `saveModel` writes (weights file
 * first, each file atomically). Returns the size of the copy's weights file (bytes).
 * @throws FileFormatError naming the source file that is missing, malformed, already quantised,
 *   or holds weights that cannot be quantised (NaN, infinite, or beyond float16's range).
 */
export async function quantizeModel(srcDir: string, outDir: string, dtype: QuantizationDtype | 'float32'): Promise<number> {
  const artifacts = await loadArtifacts(srcDir);
  const specs = artifacts.weightSpecs ?? [];
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
  const source = path.join(srcDir, WEIGHTS_BIN);
  const done = specs.find((spec) => spec.quantization);
  if (done) throw new FileFormatError(source, `weight "${done.name}" is already quantised (${done.quantization!.dtype})`);
  const quantized = dtype === 'float32' ? { specs, data } : quantizeWeightData({ specs, data }, dtype, source);
  await mkdir(outDir, { recursive: true });
  await saveArtifacts(outDir, { ...artifacts, weightSpecs: quantized.specs, weightData: quantized.data.slice().buffer });
  return quantized.data.byteLength;
}

async function saveArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('fileIO saves layers models only (the topology is a binary graph)');
  }
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig !== undefined) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature !== undefined) modelJSON.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata !== undefined) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
  await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights);
  await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJSON));
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

async function loadArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.join(dir, MODEL_JSON);
  const modelJSON = parseModelJSON(jsonPath, await readOrExplain(jsonPath));
  return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs = tf.io.getWeightSpecs(manifest);
    const files = manifest.flatMap((group) => group.paths.map((shard) => weightFile(dir, shard, jsonPath)));
    // Sizes first: a manifest that does not describe its files must not get them read into memory.
    const expected = expectedBytes(specs);
    let found = 0;
    for (const file of files) found += await sizeOrExplain(file);
    if (expected !== found) {
      throw new FileFormatError(files.join(', '), `the weights manifest in ${jsonPath} needs ${expected} bytes of weights, found ${found}`);
    }
    const shards: ArrayBuffer[] = [];
    for (const file of files) {
      const bytes = await readOrExplain(file);
      shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    return [specs, shards.length === 1 ? shards[0] : shards];
  });
}

/** The file a manifest path names in `dir`; refused when it is absolute or leads out of `dir`. */
function weightFile(dir: string, name: string, jsonPath: string): string {
  const inside = path.relative(path.resolve(dir), path.resolve(dir, name));
  if (path.isAbsolute(name) || inside === '' || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new FileFormatError(jsonPath, `weight file "${name}" is outside the model folder`);
  }
  return path.join(dir, name);
}

async function sizeOrExplain(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    throw explain(file, err);
  }
}

async function readOrExplain(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw explain(file, err);
  }
}

function explain(file: string, err: unknown): FileFormatError {
  const code = (err as NodeJS.ErrnoException).code;
  return new FileFormatError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`);
}

function parseModelJSON(file: string, bytes: Buffer): tf.io.ModelJSON {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new FileFormatError(file, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const json = parsed as Partial<tf.io.ModelJSON> | null;
  if (json === null || typeof json !== 'object' || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new FileFormatError(file, 'has no "modelTopology" object; not a TensorFlow.js layers model');
  }
  const manifest = WeightsManifestSchema.safeParse(json);
  if (!manifest.success) throw new FileFormatError(file, formatZodError(manifest.error));
  const topology = json.modelTopology as Record<string, unknown>;
  checkLayerCalls(file, topology.model_config ?? topology);
  return json as tf.io.ModelJSON;
}

/**
 * tfjs rebuilds a functional model by calling each layer on the nodes its `inbound_nodes` name,
 * putting back any call whose layer or node does not exist yet and trying again, with no end: a
 * call that reads a missing layer or node, a cycle, or two layers of one name would hang the
 * process. Every layer list with layer calls (the model's and its nested models') is checked here
 * by making the calls in the same way, counting nodes: all of them must get made.
 */
function checkLayerCalls(file: string, node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) checkLayerCalls(file, item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = camelKeys(node);
  const layers = object.layers;
  if (Array.isArray(layers) && layers.some((l) => l !== null && typeof l === 'object' && 'inboundNodes' in camelKeys(l))) {
    checkGraph(file, layers);
  }
  for (const value of Object.values(object)) checkLayerCalls(file, value);
}

/** One layer of a functional model's layer list; a call reads [layer name, node index, tensor index, kwargs?] per input. */
const GraphLayerSchema = z.looseObject({
  name: z.string(),
  className: z.string(),
  config: z.looseObject({ name: z.string().optional() }),
  inboundNodes: z.array(
    z.array(z.tuple([z.string(), z.number().int().nonnegative(), z.number().int().nonnegative()]).rest(z.unknown())).min(1),
  ),
});

function checkGraph(file: string, layerList: unknown[]): void {
  const layers = layerList.map((l, i) => {
    const parsed = GraphLayerSchema.safeParse(l !== null && typeof l === 'object' ? camelKeys(l) : l);
    if (!parsed.success) throw new FileFormatError(file, `a layer call: ${formatZodError(parsed.error, `layers[${i}]`)}`);
    return parsed.data;
  });
  // Nodes a layer has before any call: an input layer's own, a (built) nested model's inner one.
  const nodes = new Map<string, number>();
  for (const layer of layers) {
    if (nodes.has(layer.name)) throw new FileFormatError(file, `two layers are named "${layer.name}"`);
    // tfjs files each call under the layer's own name, taken from its config: the two must agree.
    if (layer.config.name !== undefined && layer.config.name !== layer.name)
      throw new FileFormatError(file, `layer "${layer.name}" calls itself "${layer.config.name}" in its config`);
    nodes.set(layer.name, OWN_NODE_CLASSES.has(tfjsCamelCase(layer.className)) ? 1 : 0);
  }
  let waiting = layers.flatMap((layer) => layer.inboundNodes.map((inputs) => ({ layer: layer.name, inputs })));
  while (waiting.length > 0) {
    const ready = waiting.filter(({ inputs }) => inputs.every(([name, index]) => (nodes.get(name) ?? 0) > index));
    if (ready.length === 0) {
      const [name, index] = waiting[0]!.inputs.find(([n, i]) => (nodes.get(n) ?? 0) <= i)!;
      throw new FileFormatError(file, `layer "${waiting[0]!.layer}" is called on node ${index} of "${name}", which the model never makes`);
    }
    for (const call of ready) nodes.set(call.layer, nodes.get(call.layer)! + 1);
    waiting = waiting.filter((call) => !ready.includes(call));
  }
}

/** Layer classes that have a node before they are called: input layers and models. */
const OWN_NODE_CLASSES = new Set(['InputLayer', 'Model', 'Functional', 'Sequential']);

/** `object` with its keys spelled as tfjs reads them (the last of two spellings of one key wins, as in tfjs). */
function camelKeys(object: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) out[tfjsCamelCase(key)] = value;
  return out;
}

/** snake_case to camelCase exactly as tfjs converts the keys and class names of a topology. */
function tfjsCamelCase(identifier: string): string {
  if (identifier.length <= 1 || !identifier.includes('_')) return identifier;
  return identifier.replace(/_+(\w|$)/g, (_, c: string) => c.toUpperCase());
}

/**
 * A weight's `quantization` (see `src/nn/quantize.ts`): float16 values, or uint8 values with the
 * finite `scale` (≥ 0) and `min` that turn them back into float32. tfjs would decode a NaN or
 * infinite scale into NaN weights without a word, and a missing one into NaN as well.
 */
const QuantizationSchema = z.discriminatedUnion('dtype', [
  z.looseObject({ dtype: z.literal('float16') }),
  z.looseObject({ dtype: z.literal('uint8'), scale: z.number().nonnegative(), min: z.number() }),
]);

/**
 * The weights manifest: fixed-size dtypes only (robonav never saves string weights), so that the
 * bytes it describes can be checked against the files before any is read. Only float32 weights
 * may be quantised (robonav never quantises others, and tfjs decodes float16 for float32 only).
 */
const WeightsManifestSchema = z.looseObject({
  weightsManifest: z.array(
    z.looseObject({
      paths: z.array(z.string()),
      weights: z.array(
        z
          .looseObject({
            name: z.string(),
            shape: z.array(z.number().int().nonnegative()),
            dtype: z.enum(['float32', 'int32', 'bool']),
            quantization: QuantizationSchema.optional(),
          })
          .refine((spec) => spec.quantization === undefined || spec.dtype === 'float32', {
            message: 'only float32 weights can be quantised',
            path: ['quantization'],
          }),
      ),
    }),
  ),
});

/** Total bytes the manifest describes (a float: absurd shapes give huge numbers, never a wrong small one). */
function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const spec of specs) {
    const dtype = (spec.quantization?.dtype ?? spec.dtype) as keyof typeof BYTES_PER_VALUE;
    total += spec.shape.reduce((a, b) => a * b, 1) * BYTES_PER_VALUE[dtype];
  }
  return total;
}
