/**
 * Format fuzzing of pretrain.json (see tests/helpers/fuzz.ts): a manifest as `robonav pretrain cnn`
 * writes it, with its text damaged or a value made huge, negative, fractional, of another type, or
 * removed; `readManifest` must read it or throw a `FileFormatError` naming it. (The models beside
 * it are fuzzed with the model files, tests/nn/fileIO.fuzz.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { PRETRAIN_MANIFEST, PRETRAIN_VERSION, readManifest, writeManifest } from '../../src/pretrain/pretrained.js';
import { fuzzRuns, jsonFileProperty } from '../helpers/fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-manifest-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readManifest on mutated pretrain.json files', () => {
  it('reads it or names it', async () => {
    writeManifest(dir, {
      version: PRETRAIN_VERSION,
      kind: 'cnn',
      field: 'depth',
      inputShape: [64, 64, 1],
      inputSpace: { type: 'box', shape: [64, 64, 1], dtype: 'float32', low: [0], high: [10] },
      data: 'data/train',
      valData: 'data/val',
      task: 'autoencoder',
      steps: 200,
      val: { loss: 0.01 },
    });
    const file = join(dir, PRETRAIN_MANIFEST);
    await fc.assert(
      jsonFileProperty(file, readFileSync(file, 'utf8'), () => readManifest(dir)),
      fuzzRuns(300),
    );
  });
});
