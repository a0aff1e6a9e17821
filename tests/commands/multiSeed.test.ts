/**
 * The multi-seed driver with a stand-in for one training run (it writes a metrics.jsonl as
 * `robonav train` does): seeds run in order into OUT/seed-N, clashes and bad flags are refused
 * before anything runs, and the summary reads each seed's last training and eval figures.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { seedListOption, trainSeeds, type SeedFlags } from '../../src/commands/multiSeed.js';

const work = mkdtempSync(join(tmpdir(), 'robonav-seeds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Pretend to train: record the call and write two metric lines (training, then eval). */
function fakeTrain(calls: SeedFlags[]): (flags: SeedFlags) => Promise<void> {
  return async (flags) => {
    calls.push(flags);
    mkdirSync(flags.out!, { recursive: true });
    writeFileSync(join(flags.out!, 'run.json'), '{}');
    writeFileSync(
      join(flags.out!, 'metrics.jsonl'),
      `${JSON.stringify({ step: 64, episodeReturn: flags.seed! / 10, success: 0.5 })}\n${JSON.stringify({ type: 'eval', step: 64, success: flags.seed! / 4, spl: 0.1, return: 1 })}\n`,
    );
  };
}

describe('trainSeeds', () => {
  it('trains each seed in order into OUT/seed-N and summarises them', async () => {
    const calls: SeedFlags[] = [];
    const out = join(work, 'A');
    const summary = await trainSeeds({ seeds: [3, 1], out }, fakeTrain(calls));
    expect(calls.map((c) => [c.seed, c.out, c.seeds])).toEqual([
      [3, join(out, 'seed-3'), undefined],
      [1, join(out, 'seed-1'), undefined],
    ]);
    expect(summary).toEqual([
      { seed: 3, out: join(out, 'seed-3'), step: 64, episodeReturn: 0.3, success: 0.5, eval: { success: 0.75, spl: 0.1, return: 1 } },
      { seed: 1, out: join(out, 'seed-1'), step: 64, episodeReturn: 0.1, success: 0.5, eval: { success: 0.25, spl: 0.1, return: 1 } },
    ]);
  });

  it('refuses a seed directory that already holds a run before training any seed', async () => {
    const out = join(work, 'B');
    mkdirSync(join(out, 'seed-2'), { recursive: true });
    writeFileSync(join(out, 'seed-2', 'run.json'), '{}');
    const calls: SeedFlags[] = [];
    await expect(trainSeeds({ seeds: [1, 2], out }, fakeTrain(calls))).rejects.toThrow(`${join(out, 'seed-2')} already holds a run`);
    expect(calls).toEqual([]);
    expect(existsSync(join(out, 'seed-1'))).toBe(false);
  });

  it('rejects --seed, --resume, a missing --out and repeated seeds', async () => {
    const run = (flags: SeedFlags): Promise<unknown> => trainSeeds(flags, fakeTrain([]));
    await expect(run({ seeds: [1], seed: 2, out: join(work, 'C') })).rejects.toThrow(
      new UsageError('--seeds and --seed exclude each other'),
    );
    await expect(run({ seeds: [1], resume: 'x', out: join(work, 'C') })).rejects.toThrow(/--resume/);
    await expect(run({ seeds: [1] })).rejects.toThrow(/--seeds needs --out/);
    await expect(run({ seeds: [1, 1], out: join(work, 'C') })).rejects.toThrow(/seed 1 is listed twice/);
    expect(existsSync(join(work, 'C'))).toBe(false);
  });
});

describe('seedListOption', () => {
  it('parses integers ≥ 0 and rejects anything else', () => {
    expect(seedListOption('1,2, 3')).toEqual([1, 2, 3]);
    for (const bad of ['', '1,,2', '-1', '1.5', 'a']) expect(() => seedListOption(bad)).toThrow(InvalidArgumentError);
  });
});
