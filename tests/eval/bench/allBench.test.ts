/**
 * `bench all`'s pieces that do not time anything: the commands it runs and the files it writes
 * (running the benchmarks themselves is what `robonav bench all` is for, not a unit test).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allBenchCommands, formatAllMarkdown, writeAllBench, type AllBenchResult } from '../../../src/eval/bench/allBench.js';

const work = mkdtempSync(join(tmpdir(), 'robonav-bench-all-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const machine = { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', platform: 'linux-x64', backend: 'wasm', version: '4.22.0', simd: true };
const ci = {
  success: [0.9, 1],
  spl: [0.8, 0.9],
  softSpl: [0, 1],
  return: [0, 1],
  collisions: [0, 1],
  pathLength: [0, 1],
  steps: [0, 1],
} as AllBenchResult['policies']['policies'][number]['ci'];
const result: AllBenchResult = {
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  machine,
  sim: { stepsPerSec: 3401, size: 64, ...machine },
  learner: { ...machine, forwardMs: 113.25, trainStepMs: 729.2 },
  policies: {
    env: 'PointNav-v0',
    split: 'test',
    episodes: 50,
    policies: [{ name: 'oracle', success: 0.96, spl: 0.85, softSpl: 0.9, return: 10.24, collisions: 0, pathLength: 8, steps: 82.7, ci }],
  },
  commands: {
    machine: 'robonav info --json',
    sim: 'robonav bench sim --json',
    learner: 'robonav bench learner --json',
    policies: 'robonav bench policies --json',
  },
};

describe('bench all', () => {
  it('runs bench policies with the given episodes, policies, threads and output directory', () => {
    const commands = allBenchCommands({ out: 'report/', episodes: 30, policies: ['random', 'runs/A'], threads: 3 });
    expect(commands.machine).toEqual(['info', '--json']);
    expect(commands.sim.slice(0, 2)).toEqual(['bench', 'sim']);
    expect(commands.policies.join(' ')).toBe(
      'bench policies --env PointNav-v0 --split test --episodes 30 --policies random,runs/A --threads 3 --out report/ --json',
    );
    for (const args of Object.values(commands)) expect(args[args.length - 1]).toBe('--json');
  });

  it('states the machine once and each part’s figures in bench.md', () => {
    const md = formatAllMarkdown(result);
    expect(md).toContain('Machine: Test CPU, 2 cores, Node v20.0.0 (linux-x64), tfjs 4.22.0 backend wasm (SIMD).');
    expect(md).toContain('| stepsPerSec | 3401 |');
    expect(md).toContain('| forwardMs | 113.3 |');
    expect(md).toContain('| oracle | 0.960 [0.900, 1.000] | 0.850 [0.800, 0.900] | 10.2 | 82.7 |');
    // The machine fields the subcommands repeat appear in the header line only.
    expect(md.match(/Test CPU/g)).toHaveLength(1);
  });

  it('writes bench.json and bench.md and nothing else', () => {
    const files = writeAllBench(work, result);
    expect(files).toEqual([join(work, 'bench.json'), join(work, 'bench.md')]);
    expect(readdirSync(work).sort()).toEqual(['bench.json', 'bench.md']);
    expect(JSON.parse(readFileSync(join(work, 'bench.json'), 'utf8'))).toEqual(result);
  });
});
