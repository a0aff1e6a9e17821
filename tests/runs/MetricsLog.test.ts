import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsLogTail, parseMetricsLine } from '../../src/runs/MetricsLog.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseMetricsLine', () => {
  it('takes the step from the first step-like key and keeps finite numbers', () => {
    expect(parseMetricsLine('{"steps":2048,"meanReturn":1.5,"successRate":0.25,"agent":"ppo","nan":null}', 0)).toEqual({
      step: 2048,
      values: { meanReturn: 1.5, successRate: 0.25 },
    });
    expect(parseMetricsLine('{"loss":0.1}', 7)).toEqual({ step: 7, values: { loss: 0.1 } });
    // robonav train's lines: bookkeeping numbers are not curves.
    expect(parseMetricsLine('{"step":1024,"update":1,"time":1795712976.9,"sps":59,"episodeReturn":-0.07,"epochs":4}', 0)).toEqual({
      step: 1024,
      values: { sps: 59, episodeReturn: -0.07 },
    });
    expect(parseMetricsLine('{"step":1}', 0)).toBeNull();
    expect(parseMetricsLine('not json', 0)).toBeNull();
    expect(parseMetricsLine('[1,2]', 0)).toBeNull();
  });
});

describe('MetricsLogTail', () => {
  it('returns only new complete lines, and starts over when the file is replaced', () => {
    const path = join(dir, 'metrics.jsonl');
    const tail = new MetricsLogTail(path);
    expect(tail.poll()).toEqual([]);
    writeFileSync(path, '{"step":1,"a":1}\n{"step":2,"a":2}\n{"step":3,');
    expect(tail.poll().map((p) => p.step)).toEqual([1, 2]);
    expect(tail.poll()).toEqual([]);
    appendFileSync(path, '"a":3}\ngarbage\n{"step":4,"a":4}\n');
    expect(tail.poll().map((p) => p.step)).toEqual([3, 4]);
    writeFileSync(path, '{"step":9,"a":0}\n');
    expect(tail.poll().map((p) => p.step)).toEqual([9]);
  });

  it('keeps a UTF-8 character that straddles two polls whole', () => {
    const path = join(dir, 'utf8.jsonl');
    const bytes = Buffer.from('{"step":1,"é":1}\n');
    const split = bytes.indexOf(0xc3) + 1;
    const tail = new MetricsLogTail(path);
    writeFileSync(path, bytes.subarray(0, split));
    expect(tail.poll()).toEqual([]);
    appendFileSync(path, bytes.subarray(split));
    expect(tail.poll()).toEqual([{ step: 1, values: { é: 1 } }]);
  });

  it('reads a huge log in slices of 16 MiB, one per poll', () => {
    const path = join(dir, 'huge.jsonl');
    // Lines of one length (about 200 bytes), so that the slice boundary falls at a known line.
    const line = (i: number): string => `{"step":${String(i).padStart(8, ' ')},"a":1,"note":"${'n'.repeat(170)}"}\n`;
    const lines = Math.ceil((20 * 1024 * 1024) / line(0).length);
    writeFileSync(path, Array.from({ length: lines }, (_, i) => line(i)).join(''));
    const tail = new MetricsLogTail(path);
    const first = tail.poll();
    expect(first.length).toBe(Math.floor((16 * 1024 * 1024) / line(0).length));
    const rest = tail.poll();
    expect(first.length + rest.length).toBe(lines);
    expect(rest.at(-1)!.step).toBe(lines - 1);
  });

  it('drops a line that never ends once it passes 1 Mi characters, and reads the lines after it', () => {
    const path = join(dir, 'endless.jsonl');
    const tail = new MetricsLogTail(path);
    writeFileSync(path, `{"step":1,"a":1}\n${'x'.repeat(3 * 1024 * 1024)}`);
    expect(tail.poll().map((p) => p.step)).toEqual([1]);
    expect((tail as unknown as { partial: string }).partial.length).toBeLessThanOrEqual(1024 * 1024);
    appendFileSync(path, `${'x'.repeat(1024)}"a":2}\n{"step":3,"a":3}\n`);
    expect(tail.poll().map((p) => p.step)).toEqual([3]);
  });
});
