/**
 * The checkpoint reader against damaged files. Whatever happens to `checkpoint.json`, `state.json`
 * or `state.bin` — cut short, bits flipped, array lengths or counters rewritten — `loadCheckpoint`
 * returns a state whose arrays fill `state.bin` exactly, or throws a `FileFormatError` naming one of
 * those files: never a TypeError, nor a RangeError from an array sized by a length field before it
 * was checked against the file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C } from '../../agents/a2c.js';
import { FileFormatError } from '../../src/core/errors.js';
import { initBackend } from '../../src/nn/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/runs/checkpoint.js';
import { FixedChain } from '../agents/fakeEnvs.js';

const runDir = mkdtempSync(path.join(tmpdir(), 'robonav-ckpt-format-'));
type FileKey = 'pointer' | 'json' | 'bin';
/** The three files the reader reads, and their contents as saved. */
let files: Record<FileKey, { path: string; bytes: Buffer }>;
const allPaths = (): string[] => Object.values(files).map((f) => f.path);

beforeAll(async () => {
  await initBackend();
  const agent = new A2C(() => new FixedChain(4), { numEnvs: 1, numSteps: 4 });
  await agent.learn(4);
  const dir = await saveCheckpoint(runDir, agent);
  await agent.close();
  const saved = (file: string): { path: string; bytes: Buffer } => ({ path: file, bytes: readFileSync(file) });
  files = {
    pointer: saved(path.join(runDir, 'checkpoint.json')),
    json: saved(path.join(dir, 'state.json')),
    bin: saved(path.join(dir, 'state.bin')),
  };
});

/**
 * Write `bytes` over one of the files (the others as saved) and read the checkpoint back: it must
 * fail with a FileFormatError naming one of `names` (always when `mustFail`), or load a state
 * whose arrays fill state.bin.
 */
async function expectLoadOrNamedError(key: FileKey, bytes: Uint8Array, names: string[], mustFail: boolean): Promise<void> {
  for (const file of Object.values(files)) writeFileSync(file.path, file.bytes);
  writeFileSync(files[key].path, bytes);
  let loaded: Awaited<ReturnType<typeof loadCheckpoint>>;
  try {
    loaded = await loadCheckpoint(runDir);
  } catch (err) {
    expect(err).toBeInstanceOf(FileFormatError);
    expect(names, String(err)).toContain((err as FileFormatError).path);
    return;
  }
  expect(mustFail, `${key} damaged, yet the checkpoint loaded`).toBe(false);
  const arrays = [...loaded.state.weights, ...loaded.state.optimizer.slots];
  expect(arrays.reduce((n, a) => n + a.byteLength, 0)).toBe(readFileSync(files.bin.path).byteLength);
}

const fileKey = fc.constantFrom<FileKey>('pointer', 'json', 'bin');
/** Numbers a length or a counter must not take, and integers it may take that do not fit the file. */
const badCount = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.integer({ min: 2 ** 20, max: 2 ** 31 }),
  fc.constantFrom(2 ** 40, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 1e308, 0.5),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const isCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;
const RUNS = { numRuns: 200, seed: 20240601 };

describe('loadCheckpoint on damaged files', () => {
  it('a file cut short is an error naming it', async () => {
    await fc.assert(
      fc.asyncProperty(fileKey, fc.nat(), async (key, at) => {
        const { bytes, path: file } = files[key];
        await expectLoadOrNamedError(key, bytes.subarray(0, at % bytes.byteLength), [file], true);
      }),
      RUNS,
    );
  });

  it('flipped bits load a state that fills state.bin, or are an error naming a checkpoint file', async () => {
    const flip = fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) });
    await fc.assert(
      fc.asyncProperty(fileKey, fc.array(flip, { minLength: 1, maxLength: 4 }), async (key, flips) => {
        const bytes = Buffer.from(files[key].bytes);
        for (const { at, bit } of flips) bytes[at % bytes.byteLength]! ^= 1 << bit;
        await expectLoadOrNamedError(key, bytes, allPaths(), false);
      }),
      RUNS,
    );
  });

  it('an array length out of range or not matching state.bin is an error naming state.json or state.bin', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('weightLengths', 'slotLengths'), fc.nat(), badCount, async (field, index, value) => {
        const state = JSON.parse(files.json.bytes.toString('utf8')) as Record<string, number[]>;
        const lengths = state[field]!;
        const i = index % lengths.length;
        const changed = lengths[i] !== value;
        lengths[i] = value;
        await expectLoadOrNamedError('json', Buffer.from(JSON.stringify(state)), [files.json.path, files.bin.path], changed);
      }),
      RUNS,
    );
  });

  it('a negative or fractional counter is an error naming its file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['json', 'step'] as const,
          ['json', 'update'] as const,
          ['json', 'totalSteps'] as const,
          ['json', 'optimizerSteps'] as const,
          ['pointer', 'step'] as const,
          ['pointer', 'update'] as const,
        ),
        badCount,
        async ([key, field], value) => {
          const json = { ...JSON.parse(files[key].bytes.toString('utf8')), [field]: value };
          await expectLoadOrNamedError(key, Buffer.from(JSON.stringify(json)), [files[key].path], !isCount(value));
        },
      ),
      RUNS,
    );
  });

  it('a pointer to a folder that is not a checkpoint of this run is an error naming checkpoint.json', async () => {
    for (const dir of ['checkpoints/000009', '../../etc', '/tmp', 'checkpoints/../checkpoints/000001', 'checkpoints', '']) {
      const pointer = { ...JSON.parse(files.pointer.bytes.toString('utf8')), dir };
      await expectLoadOrNamedError('pointer', Buffer.from(JSON.stringify(pointer)), [files.pointer.path], true);
    }
  });
});
