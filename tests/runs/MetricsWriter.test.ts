import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsWriter } from '../../src/runs/MetricsWriter.js';

describe('MetricsWriter', () => {
  it('appends one JSON object per record to metrics.jsonl, updates through the callback too', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'robonav-log-')), 'run');
    const metrics = new MetricsWriter(dir);
    metrics.onUpdate({ step: 10, update: 1, sps: 5, episodeReturn: null });
    metrics.write({ step: 20, type: 'eval', success: 0.5 });
    const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { step: 10, update: 1, sps: 5, episodeReturn: null },
      { step: 20, type: 'eval', success: 0.5 },
    ]);
  });
});
