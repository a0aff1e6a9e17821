/**
 * Format fuzzing of what `robonav report` reads besides curves (see tests/helpers/fuzz.ts):
 * `policies.json` and `replays.json` as `robonav bench policies --out` writes them, with their text
 * damaged or a value made huge, negative, fractional, of another type, or removed;
 * `loadBenchTable` and `loadReplays` must read them or throw a `FileFormatError` naming them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { loadBenchTable, loadReplays } from '../../../src/eval/report/runs.js';
import { fuzzRuns, jsonFileProperty } from '../../helpers/fuzz.js';
import { writeBench } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-report-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report inputs, mutated', () => {
  writeBench(dir);

  it('policies.json: read or named', async () => {
    const file = join(dir, 'policies.json');
    await fc.assert(
      jsonFileProperty(file, readFileSync(file, 'utf8'), () => loadBenchTable(dir)),
      fuzzRuns(200),
    );
  });

  it('replays.json: read or named', async () => {
    const file = join(dir, 'replays.json');
    await fc.assert(
      jsonFileProperty(file, readFileSync(file, 'utf8'), () => loadReplays(dir, 10)),
      fuzzRuns(200),
    );
  });
});
