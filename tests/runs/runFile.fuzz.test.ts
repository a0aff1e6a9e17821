/**
 * Format fuzzing of run.json (see tests/helpers/fuzz.ts): a run file as `robonav train` writes it,
 * with its text damaged or a value made huge, negative, fractional, of another type, or removed;
 * `readRunFile` must read it or throw a `FileFormatError` naming it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { readRunFile, runFilePath, writeRunFile } from '../../src/runs/runFile.js';
import { fuzzRuns, jsonFileProperty } from '../helpers/fuzz.js';

const dir = mkdtempSync(path.join(tmpdir(), 'robonav-runfile-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readRunFile on mutated run files', () => {
  it('reads it or names it', async () => {
    writeRunFile(dir, {
      version: 1,
      env: 'PointNav-Easy-v0',
      envOptions: { cameraSize: 32 },
      agent: 'ppo',
      config: {
        seed: 3,
        numEnvs: 4,
        numSteps: 16,
        gamma: 0.99,
        targetKl: null,
        network: { cnn: 'small', mlpHidden: [64, 64], core: 'gru' },
      },
      steps: 4096,
      pretrained: { encoder: 'pretrain/cnn', freezeEncoder: true, frozenLayers: [0, 2], core: 'pretrain/rnn', coreInputWeights: false },
    });
    const file = runFilePath(dir);
    await fc.assert(
      jsonFileProperty(file, readFileSync(file, 'utf8'), () => readRunFile(dir)),
      fuzzRuns(300),
    );
  });
});
