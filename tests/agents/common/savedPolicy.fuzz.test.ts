/**
 * Format fuzzing of saved policy folders (see tests/helpers/fuzz.ts): a recurrent PPO policy over a
 * Dict observation saved by `savePolicy`, with one of its files — `policy.json`, `model.json`,
 * `weights.bin` — mutated. `loadPolicyDir` must load it or throw a `FileFormatError` naming a file
 * of the folder.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_FILE } from '../../../agents/common/policyInfo.js';
import { loadPolicyDir, savePolicy } from '../../../agents/common/savedPolicy.js';
import { PPO } from '../../../agents/ppo.js';
import { initBackend } from '../../../src/nn/backend.js';
import { MODEL_JSON, WEIGHTS_BIN } from '../../../src/nn/fileIO.js';
import { CueMemory } from '../fakeEnvs.js';
import { byteMutation, fuzzRuns, jsonFileMutation, mutateBytes, mutateJsonText, RSS_BOUND, readsOrNamesFile } from '../../helpers/fuzz.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-policy-fuzz-'));
const valid = path.join(root, 'valid');
const dir = path.join(root, 'case');

beforeAll(async () => {
  await initBackend();
  const ppo = new PPO((i) => new CueMemory(1, i), { numEnvs: 1, numSteps: 8, seed: 2, network: { core: 'gru', coreSize: 8 } });
  await savePolicy(valid, ppo, { env: 'CueMemory' });
  await ppo.close();
  cpSync(valid, dir, { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Load `dir` with `name` holding `bytes`, dispose the model, then put the valid file back. */
async function loadWith(name: string, bytes: Uint8Array): Promise<void> {
  writeFileSync(path.join(dir, name), bytes);
  try {
    await readsOrNamesFile(async () => (await loadPolicyDir(dir)).model.dispose(), dir);
  } finally {
    cpSync(path.join(valid, name), path.join(dir, name));
  }
}

describe('loadPolicyDir on mutated policy folders', () => {
  let rss = 0;
  beforeAll(() => {
    rss = process.memoryUsage().rss;
  });

  it('loads the unmutated folder', async () => {
    (await loadPolicyDir(dir)).model.dispose();
  });

  it('a mutated policy.json: text damaged, or a value made huge, negative, fractional, of another type, or removed', async () => {
    const text = readFileSync(path.join(valid, POLICY_FILE), 'utf8');
    await fc.assert(
      fc.asyncProperty(jsonFileMutation, (m) => loadWith(POLICY_FILE, mutateJsonText(text, m))),
      fuzzRuns(100),
    );
  });

  it("a mutated model.json or weights.bin of the policy's model", async () => {
    const model = readFileSync(path.join(valid, MODEL_JSON), 'utf8');
    const weights = readFileSync(path.join(valid, WEIGHTS_BIN));
    await fc.assert(
      fc.asyncProperty(jsonFileMutation, byteMutation, fc.boolean(), (jsonM, bytesM, inModel) =>
        inModel ? loadWith(MODEL_JSON, mutateJsonText(model, jsonM)) : loadWith(WEIGHTS_BIN, mutateBytes(weights, bytesM)),
      ),
      fuzzRuns(80),
    );
  });

  it('stays within the memory bound over every property', () => {
    expect(process.memoryUsage().rss - rss).toBeLessThan(RSS_BOUND);
  });
});
