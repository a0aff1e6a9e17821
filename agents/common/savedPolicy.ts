/**
 * A saved policy: a folder any runner can load without the agent that trained it.
 *
 *   model.json, weights.bin   the policy as one TensorFlow.js layers model over raw observations
 *                             (what `tf.loadLayersModel` opens in a browser)
 *   policy.json               what a runner needs besides the model: spaces, input order, action
 *                             distribution, Gaussian log-std, recurrent core
 *
 * A checkpoint holds one in `policy/` (see `src/runs/checkpoint.ts`). The `policy.json` format is
 * in `policyInfo.ts`, which runs in a browser too; this module reads and writes folders (Node only).
 * `quantizePolicy` writes a copy with float16 or uint8 weights, which loads like the original.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../src/core/atomicWrite.js';
import { readJsonFile } from '../../src/core/jsonFile.js';
import { UsageError } from '../../src/core/errors.js';
import { loadModel, quantizeModel, saveModel } from '../../src/nn/fileIO.js';
import type { QuantizationDtype } from '../../src/nn/quantize.js';
import type { OnPolicyAgent } from './OnPolicyAgent.js';
import { POLICY_FILE, type PolicyInfo, PolicyInfoSchema, policyInfo } from './policyInfo.js';

/** Write an agent's policy model and `policy.json` into `dir`. */
export async function savePolicy(dir: string, agent: OnPolicyAgent, meta: Record<string, unknown> = {}): Promise<void> {
  await saveModel(agent.network.toLayersModel(), dir);
  await writeFileAtomic(path.join(dir, POLICY_FILE), JSON.stringify(policyInfo(agent, meta), null, 1));
}

/** Load a policy folder. @throws FileFormatError naming the file when `policy.json` or the model is missing or malformed. */
export async function loadPolicyDir(dir: string): Promise<{ model: tf.LayersModel; info: PolicyInfo }> {
  const info = readJsonFile(path.join(dir, POLICY_FILE), PolicyInfoSchema);
  const model = await loadModel(dir);
  return { model, info };
}

/** How a saved policy's float32 weights are stored: as they are, or quantised. */
export type WeightDtype = 'float32' | QuantizationDtype;

/** What `quantizePolicy` wrote. */
export interface QuantizedPolicy {
  /** The policy folder written. */
  dir: string;
  dtype: WeightDtype;
  /** Size of its weights file (bytes). */
  weightBytes: number;
}

/**
 * Write a copy of the policy folder `srcDir` into `outDir` with its float32 weights stored as
 * `dtype` (see `src/nn/quantize.ts`; `'float32'` copies them unchanged). The copy's `policy.json`
 * is the source's with `quantization` set, and is written last, so `outDir` holds a policy folder
 * only once its model files are complete. Every loader (`loadPolicyDir`, `TrainedPolicy.load`,
 * `tf.loadLayersModel` in a browser) reads the copy as it reads the source.
 *
 * @throws UsageError when `outDir` is a file or is `srcDir` itself, or the source is already quantised.
 * @throws FileFormatError naming the source file that is missing or malformed.
 */
export async function quantizePolicy(srcDir: string, outDir: string, dtype: WeightDtype): Promise<QuantizedPolicy> {
  const info = await checkQuantizeTarget(srcDir, outDir);
  const weightBytes = await quantizeModel(srcDir, outDir, dtype);
  const out: PolicyInfo = dtype === 'float32' ? info : { ...info, quantization: dtype };
  await writeFileAtomic(path.join(outDir, POLICY_FILE), JSON.stringify(out, null, 1));
  return { dir: outDir, dtype, weightBytes };
}

/**
 * Check, before anything is written, that `quantizePolicy(srcDir, outDir, …)` can run: the source's
 * `policy.json` reads and is not quantised, and `outDir` is neither a file nor the source itself.
 * Returns the source's `policy.json`.
 * @throws UsageError or FileFormatError as `quantizePolicy` does.
 */
export async function checkQuantizeTarget(srcDir: string, outDir: string): Promise<PolicyInfo> {
  const info = readJsonFile(path.join(srcDir, POLICY_FILE), PolicyInfoSchema);
  if (info.quantization) throw new UsageError(`${srcDir} is already quantised (${info.quantization}); quantise its float32 original`);
  if (path.resolve(srcDir) === path.resolve(outDir)) throw new UsageError(`the output folder ${outDir} is the policy folder itself`);
  // The folder, or else the nearest ancestor that exists, must be a directory for mkdir to succeed.
  for (let dir = path.resolve(outDir); ; dir = path.dirname(dir)) {
    const found = await stat(dir).catch(() => null);
    if (found && !found.isDirectory())
      throw new UsageError(`the output folder ${outDir} ${dir === path.resolve(outDir) ? 'is' : `is inside ${dir}, which is`} a file`);
    if (found || dir === path.dirname(dir)) break;
  }
  return info;
}
