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
 */
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../src/core/atomicWrite.js';
import { readJsonFile } from '../../src/core/jsonFile.js';
import { loadModel, saveModel } from '../../src/nn/fileIO.js';
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
