import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/core/atomicWrite.js';

/** The flushes and renames the file system saw, in order, with the random part of temporary names cut. */
const { trace, traced } = vi.hoisted(() => {
  const trace: string[] = [];
  const traced = (op: string, ...files: unknown[]): void =>
    void trace.push([op, ...files.map((f) => String(f).replace(/-\d+-[0-9a-f]+$/, ''))].join(' '));
  return { trace, traced };
});

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const opened = new Map<number, string>();
  return {
    ...fs,
    openSync: (file: string, flags: string) => {
      const fd = fs.openSync(file, flags);
      opened.set(fd, file);
      return fd;
    },
    fsyncSync: (fd: number) => {
      traced('fsync', opened.get(fd));
      fs.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      traced('rename', from, to);
      fs.renameSync(from, to);
    },
  };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (file: string, flags: string) => {
      const handle = await fs.open(file, flags);
      const sync = handle.sync.bind(handle);
      handle.sync = () => {
        traced('fsync', file);
        return sync();
      };
      return handle;
    },
    rename: (from: string, to: string) => {
      traced('rename', from, to);
      return fs.rename(from, to);
    },
  };
});

describe('atomic writes', () => {
  it('replace the file and leave no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'robonav-atomic-'));
    const file = join(dir, 'a.json');
    writeFileSync(file, 'old');
    writeFileAtomicSync(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('fail without touching the target or leaving a temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'robonav-atomic-'));
    const target = join(dir, 'sub');
    writeFileSync(target, 'a file, not a folder');
    // Writing "sub/x" fails: "sub" is a file. Nothing may change in dir.
    expect(() => writeFileAtomicSync(join(target, 'x'), 'data')).toThrow();
    await expect(writeFileAtomic(join(target, 'x'), 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['sub']);
    expect(readFileSync(target, 'utf8')).toBe('a file, not a folder');
  });

  // After a power cut, a rename the disk has seen before the data it names leaves an empty file
  // under the real name, and a rename not yet flushed to the folder brings the old file back.
  it.each([
    ['writeFileAtomicSync', (file: string) => Promise.resolve(writeFileAtomicSync(file, 'data'))],
    ['writeFileAtomic', (file: string) => writeFileAtomic(file, 'data')],
  ])('%s flushes the data before the rename and the folder after it', async (_, write) => {
    const dir = mkdtempSync(join(tmpdir(), 'robonav-atomic-'));
    const file = join(dir, 'a.json');
    trace.length = 0;
    await write(file);
    expect(trace).toEqual([`fsync ${file}.tmp`, `rename ${file}.tmp ${file}`, `fsync ${dir}`]);
  });
});
