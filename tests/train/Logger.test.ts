import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger } from '../../src/train/Logger.js';

describe('Logger', () => {
  it('appends one JSON object per record to metrics.jsonl', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'robonav-log-')), 'run');
    const logger = new Logger({ dir, totalSteps: 100, progress: false });
    logger.log({ step: 10, sps: 5, episodeReturn: null });
    logger.log({ step: 20, type: 'eval', success: 0.5 });
    logger.close();
    const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ step: 10, sps: 5, episodeReturn: null }, { step: 20, type: 'eval', success: 0.5 }]);
  });

  it('writes nothing without a directory', () => {
    const logger = new Logger({ totalSteps: 1, progress: false });
    expect(logger.file).toBeNull();
    logger.log({ step: 1 });
    logger.close();
  });
});
