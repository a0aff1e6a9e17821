/**
 * What `robonav report` reads besides learning curves: `policies.json` and `replays.json` as
 * `robonav bench policies --out` writes them, and the errors naming the file and the field when
 * they are malformed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../../src/core/errors.js';
import { loadBenchTable, loadReplays } from '../../../src/eval/report/runs.js';
import { writeBench } from './fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'robonav-report-runs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A bench output folder whose `name` file is `edit` applied to what the bench wrote. */
function editedBench(folder: string, name: 'policies.json' | 'replays.json', edit: (json: Record<string, unknown>) => void): string {
  const dir = join(work, folder);
  writeBench(dir);
  const file = join(dir, name);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('report inputs', () => {
  it('reads back the policies table and the replays a bench wrote', () => {
    const dir = join(work, 'bench');
    const result = writeBench(dir);
    const table = loadBenchTable(dir)!;
    expect(table).toEqual({
      source: join(dir, 'policies.json'),
      env: 'PointNav-Easy-v0',
      split: 'test',
      episodes: 2,
      seed: 0,
      resamples: 100,
      policies: result.policies,
    });
    const replays = loadReplays(dir, 10);
    expect(replays.map((r) => r.paths.map((p) => p.label))).toEqual([['random', 'oracle']]);
    expect(replays[0]!.scene).toEqual(result.replays[0]!.scene);
    expect(loadBenchTable(join(work, 'nothing-here'))).toBeNull();
  });

  it('reads a figure JSON wrote as null (NaN) back as NaN', () => {
    const file = editedBench('nan', 'policies.json', (json) => {
      (json.policies as Array<Record<string, unknown>>)[0]!.spl = null;
    });
    expect(loadBenchTable(join(file, '..'))!.policies[0]!.spl).toBeNaN();
  });

  it('names the file and the field of a malformed policies.json or replays.json', () => {
    const policies = editedBench('bad-policies', 'policies.json', (json) => {
      json.policies = [{ name: 'a' }];
    });
    expect(() => loadBenchTable(join(policies, '..'))).toThrow(FileFormatError);
    expect(() => loadBenchTable(join(policies, '..'))).toThrow(`${policies}: policies[0].success: Invalid input`);
    const replays = editedBench('bad-replays', 'replays.json', (json) => {
      json.episodes = [{ index: 0 }];
    });
    expect(() => loadReplays(join(replays, '..'), 10)).toThrow(FileFormatError);
    expect(() => loadReplays(join(replays, '..'), 10)).toThrow(`${replays}: episodes[0].sceneSeed: Invalid input`);
    const version = editedBench('bad-version', 'replays.json', (json) => {
      json.version = 2;
    });
    expect(() => loadReplays(join(version, '..'), 10)).toThrow(`${version}: version: Invalid input: expected 1`);
  });
});
