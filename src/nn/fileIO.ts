/**
 * Saving and loading TensorFlow.js layers models on disk without tfjs-node, in the standard
 * format: `model.json` (topology + weights manifest) and `weights.bin` (all weights, one shard).
 * The browser viewer loads the same files with `tf.loadLayersModel(url)`.
 *
 * Each file is written to a temporary name in the same directory and renamed into place, so a
 * crash never leaves a half-written file under the real name. `weights.bin` is renamed before
 * `model.json`: a `model.json` on disk always has its weights beside it.
 *
 * ```ts
 * await saveModel(model, 'runs/ppo/policy');            // writes model.json + weights.bin
 * const policy = await loadModel('runs/ppo/policy');     // a tf.LayersModel
 * ```
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FileFormatError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomicWrite.js';

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
    const shards: ArrayBuffer[] = [];
    const files: string[] = [];
    for (const group of manifest) {
      for (const shard of group.paths) {
        const file = path.join(dir, shard);
        const bytes = await readOrExplain(file);
        shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        files.push(file);
      }
    }
    const expected = expectedBytes(specs);
    const found = shards.reduce((n, s) => n + s.byteLength, 0);
    if (expected !== undefined && expected !== found) {
      throw new FileFormatError(files.join(', '), `the weights manifest in ${jsonPath} needs ${expected} bytes of weights, found ${found}`);
    }
    return [specs, shards.length === 1 ? shards[0] : shards];
  });
}

async function readOrExplain(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileFormatError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`);
  }
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
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))) {
    throw new FileFormatError(file, 'has no valid "weightsManifest" (a list of {paths, weights})');
  }
  return json as tf.io.ModelJSON;
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Total bytes the manifest describes, or undefined when it holds strings (variable length). */
function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const bytes = BYTES_PER_VALUE[dtype];
    if (bytes === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}
