/**
 * Format fuzzing of saved policy folders (see tests/helpers/fuzz.ts): a recurrent PPO policy over a
 * Dict observation saved by `savePolicy`, with one of its files — `policy.json`, `model.json`,
 * `weights.bin` — mutated. `loadPolicyDir` must load it or throw a `FileFormatError` naming a file
 * of the folder. The same for its uint8 copy (`quantizePolicy`), whose `policy.json` notes the
 * quantisation and whose manifest carries a scale and minimum per weight.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_FILE } from '../../../agents/common/policyInfo.js';
import { loadPolicyDir, quantizePolicy, savePolicy } from '../../../agents/common/savedPolicy.js';
import { PPO } from '../../../agents/ppo.js';
import { initBackend } from '../../../src/nn/backend.js';
import { MODEL_JSON, WEIGHTS_BIN } from '../../../src/nn/fileIO.js';
import { CueMemory } from '../fakeEnvs.js';
import { byteMutation, fuzzRuns, jsonFileMutation, mutateBytes, mutateJsonText, RSS_BOUND, readsOrNamesFile } from '../../helpers/fuzz.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-policy-fuzz-'));
const VARIANTS = ['float32', 'uint8'] as const;
const validDir = (variant: string) => path.join(root, `valid-${variant}`);
const caseDir = (variant: string) => path.join(root, `case-${variant}`);

beforeAll(async () => {
  await initBackend();
  const ppo = new PPO((i) => new CueMemory(1, i), { numEnvs: 1, numSteps: 8, seed: 2, network: { core: 'gru', coreSize: 8 } });
  await savePolicy(validDir('float32'), ppo, { env: 'CueMemory' });
  await ppo.close();
  await quantizePolicy(validDir('float32'), validDir('uint8'), 'uint8');
  for (const variant of VARIANTS) cpSync(validDir(variant), caseDir(variant), { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Load the `variant` case folder with `name` holding `bytes`, dispose the model, then put the valid file back. */
async function loadWith(variant: string, name: string, bytes: Uint8Array): Promise<void> {
  const dir = caseDir(variant);
  writeFileSync(path.join(dir, name), bytes);
  try {
    await readsOrNamesFile(async () => (await loadPolicyDir(dir)).model.dispose(), dir);
  } finally {
    cpSync(path.join(validDir(variant), name), path.join(dir, name));
  }
}

describe.each(VARIANTS)('loadPolicyDir on mutated policy folders, %s weights', (variant) => {
  let rss = 0;
  beforeAll(() => {
    rss = process.memoryUsage().rss;
  });

  it('loads the unmutated folder', async () => {
    (await loadPolicyDir(caseDir(variant))).model.dispose();
  });

  it('a mutated policy.json: text damaged, or a value made huge, negative, fractional, of another type, or removed', async () => {
    const text = readFileSync(path.join(validDir(variant), POLICY_FILE), 'utf8');
    await fc.assert(
      fc.asyncProperty(jsonFileMutation, (m) => loadWith(variant, POLICY_FILE, mutateJsonText(text, m))),
      fuzzRuns(100),
    );
  });

  it("a mutated model.json or weights.bin of the policy's model", async () => {
    const model = readFileSync(path.join(validDir(variant), MODEL_JSON), 'utf8');
    const weights = readFileSync(path.join(validDir(variant), WEIGHTS_BIN));
    await fc.assert(
      fc.asyncProperty(jsonFileMutation, byteMutation, fc.boolean(), (jsonM, bytesM, inModel) =>
        inModel
          ? loadWith(variant, MODEL_JSON, mutateJsonText(model, jsonM))
          : loadWith(variant, WEIGHTS_BIN, mutateBytes(weights, bytesM)),
      ),
      fuzzRuns(80),
    );
  });

  it('stays within the memory bound over every property', () => {
    expect(process.memoryUsage().rss - rss).toBeLessThan(RSS_BOUND);
  });
});
