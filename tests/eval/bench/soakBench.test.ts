/**
 * `bench soak`'s pieces that do not need a run: the figures and the verdict from given samples,
 * the readers of /proc and metrics.jsonl, the training command, the files it writes and its flag
 * errors (the soak itself is a benchmark: `robonav bench soak`, not a unit test).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultWarmupMinutes,
  formatSoak,
  leastSquaresSlope,
  parseVmRssMb,
  type SeriesSummary,
  type SoakBenchRun,
  soakTrainArgs,
  soakVerdict,
  summarizeSeries,
  updateSamples,
  writeSoakOutputs,
} from '../../../src/eval/bench/soakBench.js';
import { runCli } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'robonav-bench-soak-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** RSS every 10 s for 30 min: `rss(seconds)` MB. */
function samples(rss: (seconds: number) => number): Array<[number, number]> {
  return Array.from({ length: 181 }, (_, i) => [i * 10, rss(i * 10)]);
}

const flat = (value: number): SeriesSummary => ({
  samples: 10,
  atWarmup: value,
  atEnd: value,
  min: value,
  max: value,
  median: value,
  slopePerHour: 0,
  drift: 0,
});

describe('bench soak figures', () => {
  it('fits the least-squares slope of a line exactly, and has none without two distinct x', () => {
    expect(
      leastSquaresSlope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2, 12);
    // Noise around y = 10 + 0.5 x: the fit goes through it.
    expect(
      leastSquaresSlope([
        [0, 10.1],
        [1, 10.4],
        [2, 11.1],
        [3, 11.4],
      ]),
    ).toBeCloseTo(0.46, 12);
    expect(leastSquaresSlope([[0, 1]])).toBeNull();
    expect(
      leastSquaresSlope([
        [2, 1],
        [2, 5],
      ]),
    ).toBeNull();
  });

  it('summarises a series after the warm-up: the values at its end and at the end, the range, MB per hour', () => {
    // Fast growth during 5 minutes of warm-up, then 3 MB per hour.
    const points = samples((t) => (t < 300 ? 100 + t : 400 + (3 * (t - 300)) / 3600));
    const s = summarizeSeries(points, 300);
    expect(s.samples).toBe(151);
    expect(s.atWarmup).toBe(400);
    expect(s.atEnd).toBeCloseTo(401.25, 10);
    expect(s.min).toBe(400);
    expect(s.max).toBeCloseTo(401.25, 10);
    expect(s.median).toBeCloseTo(400.625, 10);
    expect(s.drift).toBeCloseTo(1.25, 10);
    expect(s.slopePerHour).toBeCloseTo(3, 10);
    expect(summarizeSeries(points, 2000)).toEqual({
      samples: 0,
      atWarmup: null,
      atEnd: null,
      min: null,
      max: null,
      median: null,
      slopePerHour: null,
      drift: null,
    });
  });

  it('passes a run whose RSS stays within ±10 MB of its median after the warm-up without drifting, with constant tensors and a watcher that saw steps', () => {
    const wobbling = summarizeSeries(
      samples((t) => 400 + 9.5 * Math.sin((t - 300) / 60)),
      300,
    );
    expect(soakVerdict(wobbling, flat(54), { steps: 1000 })).toEqual([]);
  });

  it('fails a run whose RSS leaves the band either way, whose tensors change, or whose watcher saw nothing', () => {
    const leaking = summarizeSeries(
      samples((t) => 400 + (t - 300) / 100),
      300,
    );
    expect(leaking.slopePerHour).toBeCloseTo(36, 10);
    // 15 MB over 25 minutes: inside ±10 MB of its median (407.5), caught by the drift.
    expect(soakVerdict(leaking, flat(54), { steps: 1 })).toEqual(['RSS drifted +15.0 MB after the warm-up (fitted line), more than 10 MB']);
    const jumping = summarizeSeries(
      samples((t) => (t > 900 && t < 1000 ? 425 : 400)),
      300,
    );
    expect(soakVerdict(jumping, flat(54), { steps: 1 })).toEqual([
      'RSS left ±10 MB of its median 400.0 MB after the warm-up (400.0–425.0 MB)',
    ]);
    const dropping = summarizeSeries(
      samples((t) => (t < 1200 ? 400 : 389)),
      300,
    );
    expect(soakVerdict(dropping, flat(54), { steps: 1 })).toEqual([
      // 90 of the 151 samples after the warm-up are at 400 MB, the rest 11 MB lower.
      'RSS left ±10 MB of its median 400.0 MB after the warm-up (389.0–400.0 MB)',
      'RSS drifted -15.8 MB after the warm-up (fitted line), more than 10 MB',
    ]);
    const tensors = summarizeSeries(
      [
        [400, 54],
        [500, 55],
      ],
      300,
    );
    expect(soakVerdict(flat(400), tensors, { steps: 0 })).toEqual([
      'the tf.js tensor count changed after the warm-up (54–55)',
      'the viewer client received no episode steps',
    ]);
    const short = summarizeSeries([[310, 400]], 300);
    expect(soakVerdict(short, summarizeSeries([], 300), { steps: 1 })).toEqual([
      'fewer than 2 RSS samples after the warm-up (1)',
      'no update record after the warm-up',
    ]);
  });

  it('warms up for 5 minutes, or a quarter of a shorter run', () => {
    expect(defaultWarmupMinutes(30)).toBe(5);
    expect(defaultWarmupMinutes(2)).toBe(0.5);
  });
});

describe('bench soak readers', () => {
  it('reads VmRSS (kB) from /proc/PID/status as MB', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmRSS:\t  409600 kB\nRssAnon:\t  300000 kB\n';
    expect(parseVmRssMb(status)).toBe(400);
    expect(parseVmRssMb('Name:\tnode\nState:\tZ (zombie)\n')).toBeNull();
  });

  it('takes the memory of each update record of a metrics.jsonl, skipping evaluations, older records and a half-written line', () => {
    const jsonl = [
      '{"step":1024,"update":1,"time":1000.5,"sps":300,"rss":312.1,"heapUsed":40,"numTensors":54}',
      '{"type":"eval","step":1024,"time":1001,"success":0.5}',
      '{"step":2048,"update":2,"time":1004,"sps":300}',
      '{"step":3072,"update":3,"time":1010,"sps":300,"rss":380.5,"heapUsed":48.1,"numTensors":54}',
      '{"step":4096,"upd',
    ].join('\n');
    expect(updateSamples(jsonl, 1000)).toEqual([
      { seconds: 0.5, step: 1024, update: 1, rssMb: 312.1, heapUsedMb: 40, numTensors: 54 },
      { seconds: 10, step: 3072, update: 3, rssMb: 380.5, heapUsedMb: 48.1, numTensors: 54 },
    ]);
  });
});

describe('bench soak run and outputs', () => {
  it('trains with the viewer on a free port, the given workers, no evaluations and a budget the time cannot exhaust', () => {
    const args = soakTrainArgs({ minutes: 30, env: 'PointNav-v0', workers: 3 }, '/tmp/soak/run');
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(args[0]).toBe('train');
    expect(flag('--env')).toBe('PointNav-v0');
    expect(flag('--workers')).toBe('3');
    expect(flag('--view')).toBe('0');
    expect(flag('--out')).toBe('/tmp/soak/run');
    expect(flag('--eval-every')).toBe('0');
    expect(flag('--test-episodes')).toBe('0');
    // 10,000 env steps per second for 30 minutes, far beyond training on a CPU.
    expect(Number(flag('--steps'))).toBe(18_000_000);
  });

  it('writes the summary as JSON and the samples as CSV, and prints the table and verdict', () => {
    const run: SoakBenchRun = {
      result: {
        version: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        env: 'PointNav-Easy-v0',
        workers: 2,
        minutes: 30,
        warmupMinutes: 5,
        command: 'robonav train …',
        backend: 'wasm',
        stoppedBy: 'SIGINT',
        exitCode: 0,
        steps: 409600,
        updates: 400,
        watcher: {
          messages: 9000,
          scenes: 800,
          steps: 40000,
          episodeEnds: 799,
          metricPoints: 400,
          frames: 7000,
          frameBytes: 7000 * 16384,
          errors: [],
        },
        rss: { samples: 151, atWarmup: 380.1, atEnd: 383.4, min: 377.9, max: 386.2, median: 381.5, slopePerHour: 1.2, drift: 0.5 },
        heapUsed: { samples: 330, atWarmup: 40.8, atEnd: 36.7, min: 33.4, max: 54.1, median: 41.0, slopePerHour: -0.3, drift: -0.1 },
        numTensors: flat(54),
        pass: true,
        reasons: [],
      },
      rssSamples: [
        { seconds: 0, rssMb: 4.6 },
        { seconds: 10, rssMb: 312.125 },
      ],
      updateSamples: [{ seconds: 11.25, step: 1024, update: 1, rssMb: 313.1, heapUsedMb: 40, numTensors: 54 }],
    };
    const dir = join(work, 'out');
    mkdirSync(dir);
    const written = writeSoakOutputs(dir, run);
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual(['soak.json', 'soak-rss.csv', 'soak-updates.csv']);
    expect(JSON.parse(readFileSync(join(dir, 'soak.json'), 'utf8'))).toEqual(run.result);
    expect(readFileSync(join(dir, 'soak-rss.csv'), 'utf8')).toBe('seconds,rss_mb\n0.0,4.6\n10.0,312.1\n');
    expect(readFileSync(join(dir, 'soak-updates.csv'), 'utf8')).toBe(
      'seconds,step,update,rss_mb,heap_used_mb,num_tensors\n11.3,1024,1,313.1,40,54\n',
    );
    const text = formatSoak(run.result);
    expect(text).toContain('| RSS (MB, /proc every 10 s) | 380.1 | 383.4 | 381.5 | 377.9–386.2 | +1.2 | 151 |');
    expect(text).toContain('| tf.js tensors (per update) | 54 | 54 | 54 | 54–54 | +0 | 10 |');
    expect(text).toMatch(/\nPASS: RSS within ±10 MB/);
    expect(formatSoak({ ...run.result, pass: false, reasons: ['a', 'b'] })).toMatch(/\nFAIL: a; b\n/);
  });

  it('names a bad flag, exit 2, before starting anything', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--minutes', '0'], /option '--minutes <n>' argument '0' is invalid/],
      [['--workers', '-1'], /option '--workers <n>' argument '-1' is invalid/],
      [['--env', 'Nope-v0'], /--env: unknown env "Nope-v0"/],
      [['--minutes', '2', '--warmup', '2'], /--warmup 2 must be shorter than --minutes 2/],
      [['--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['bench', 'soak', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    mkdirSync(join(work, 'taken', 'run'), { recursive: true });
    const taken = await runCli(['bench', 'soak', '--out', join(work, 'taken')]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/--out .*taken: .*taken\/run already exists/);
  });
});
