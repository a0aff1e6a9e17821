/**
 * The order in which `saveCheckpoint` flushes, renames and removes: after a power cut at any
 * moment the disk holds the writes that were flushed, so every file and folder of a checkpoint
 * must be flushed before the rename that publishes it, and the pointer must move only once the
 * checkpoint it names is on the disk.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { A2C } from '../../agents/a2c.js';
import { initBackend } from '../../src/nn/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/runs/checkpoint.js';
import { FixedChain } from '../agents/fakeEnvs.js';

/** Flushes, renames and removals as the file system saw them, in order (absolute paths). */
const trace = vi.hoisted(() => [] as string[]);

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (file: string, flags: string) => {
      const handle = await fs.open(file, flags);
      const sync = handle.sync.bind(handle);
      handle.sync = () => {
        trace.push(`fsync ${file}`);
        return sync();
      };
      return handle;
    },
    rename: (from: string, to: string) => {
      trace.push(`rename ${from} ${to}`);
      return fs.rename(from, to);
    },
    rm: (file: string, options: object) => {
      trace.push(`rm ${file}`);
      return fs.rm(file, options);
    },
  };
});

beforeAll(async () => {
  await initBackend();
});

/**
 * The trace of one save relative to `runDir` (`.` is the run folder), temporary names without their
 * random part, and the policy folder's own writes checked and then left out: each of its files is
 * flushed before it is renamed, and the folder after its last rename.
 */
function saveTrace(runDir: string, events: string[]): string[] {
  const relative = events.map((e) =>
    e
      .split(' ')
      .map((word, i) => (i === 0 ? word : path.relative(runDir, word) || '.').replace(/\.tmp-\d+-[0-9a-f]+/, '.tmp'))
      .join(' '),
  );
  const inPolicy = relative.filter((e) => /\/policy\//.test(e) || / \S+\/policy$/.test(e));
  for (const [i, e] of inPolicy.entries()) {
    const [op, from] = e.split(' ');
    if (op === 'rename') expect(inPolicy[i - 1]).toBe(`fsync ${from}`);
  }
  expect(inPolicy.at(-1)).toMatch(/^fsync \S+\/policy$/);
  return relative.filter((e) => !inPolicy.includes(e));
}

describe('saveCheckpoint on the disk', () => {
  it('flushes the checkpoint before publishing it, moves the pointer last and removes the old one after', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'robonav-ckpt-sync-'));
    const agent = new A2C(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    await agent.learn(4);
    trace.length = 0;
    await saveCheckpoint(dir, agent);
    // The first save creates checkpoints/: the run folder is flushed before anything points into it.
    expect(saveTrace(dir, trace)[0]).toBe('fsync .');
    await agent.learn(8);
    trace.length = 0;
    await saveCheckpoint(dir, agent);
    expect(saveTrace(dir, trace)).toEqual([
      'fsync checkpoints/.000002.tmp/state.bin',
      'fsync checkpoints/.000002.tmp/state.json',
      'fsync checkpoints/.000002.tmp',
      'rename checkpoints/.000002.tmp checkpoints/000002',
      'fsync checkpoints',
      'fsync checkpoint.json.tmp',
      'rename checkpoint.json.tmp checkpoint.json',
      'fsync .',
      'rm checkpoints/000001',
    ]);
    await agent.close();
  });

  it('saving the same update again publishes a second copy and removes the first only after the pointer moved', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'robonav-ckpt-sync-'));
    const agent = new A2C(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
    await agent.learn(4);
    await saveCheckpoint(dir, agent);
    trace.length = 0;
    expect(await saveCheckpoint(dir, agent)).toBe(path.join(dir, 'checkpoints', '000001-2'));
    expect(saveTrace(dir, trace).slice(3)).toEqual([
      'rename checkpoints/.000001.tmp checkpoints/000001-2',
      'fsync checkpoints',
      'fsync checkpoint.json.tmp',
      'rename checkpoint.json.tmp checkpoint.json',
      'fsync .',
      'rm checkpoints/000001',
    ]);
    // A third save of it takes the plain name again, now free.
    expect(await saveCheckpoint(dir, agent)).toBe(path.join(dir, 'checkpoints', '000001'));
    expect((await loadCheckpoint(dir)).dir).toBe(path.join(dir, 'checkpoints', '000001'));
    await agent.close();
  });
});
