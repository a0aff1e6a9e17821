import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/core/atomicWrite.js';

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
});
