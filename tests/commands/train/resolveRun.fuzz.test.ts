/**
 * Format fuzzing of agent config files, `robonav train --config` (see tests/helpers/fuzz.ts): the
 * shipped configs/ppo-pointnav-gru.json with its text damaged or a value made huge, negative,
 * fractional, of another type, or removed. `resolveRun` must accept it or throw a `UsageError`
 * naming the file (a config is named by the user).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { resolveRun } from '../../../src/commands/train/resolveRun.js';
import { UsageError } from '../../../src/core/errors.js';
import { writeRunFile } from '../../../src/runs/runFile.js';
import { fuzzRuns, jsonFileProperty } from '../../helpers/fuzz.js';
import { ROOT } from '../../helpers/cli.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-config-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveRun on mutated --config files', () => {
  it('accepts it or names it', async () => {
    // --out names a directory that already holds a run: the first check after the config is read
    // and validated, so a good config ends there instead of making the env.
    const out = path.join(root, 'taken');
    mkdirSync(out);
    writeRunFile(out, { version: 1, env: 'PointNav-Easy-v0', agent: 'ppo', config: {}, steps: 1 });
    const file = path.join(root, 'config.json');
    const plan = async (): Promise<void> => {
      try {
        await resolveRun({ agent: 'ppo', config: file, out });
      } catch (err) {
        if (err instanceof UsageError && err.message.startsWith(`--out ${out} already holds a run`)) return;
        throw err;
      }
    };
    const text = readFileSync(path.join(ROOT, 'configs', 'ppo-pointnav-gru.json'), 'utf8');
    await fc.assert(jsonFileProperty(file, text, plan, [UsageError]), fuzzRuns(300));
  });
});
