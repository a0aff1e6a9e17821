import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FileFormatError } from '../../src/core/errors.js';
import { readJsonFile } from '../../src/core/jsonFile.js';

const Schema = z.object({ name: z.string(), sizes: z.array(z.number().int().positive()) });

describe('readJsonFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'robonav-json-'));
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('returns the validated contents', () => {
    expect(readJsonFile(write('ok.json', '{"name":"a","sizes":[1,2]}'), Schema)).toEqual({ name: 'a', sizes: [1, 2] });
  });

  it('names the file and the problem: missing, not JSON, an invalid field', () => {
    const absent = path.join(dir, 'absent.json');
    expect(() => readJsonFile(absent, Schema)).toThrow(FileFormatError);
    expect(() => readJsonFile(absent, Schema)).toThrow(`${absent}: missing`);
    expect(() => readJsonFile(absent, Schema, 'missing (not a run directory)')).toThrow(`${absent}: missing (not a run directory)`);
    const truncated = write('truncated.json', '{"name":"a","si');
    expect(() => readJsonFile(truncated, Schema)).toThrow(`${truncated}: not valid JSON`);
    const bad = write('bad.json', '{"name":"a","sizes":[1,-2]}');
    expect(() => readJsonFile(bad, Schema)).toThrow(`${bad}: sizes[1]: `);
    const array = write('array.json', '[1]');
    expect(() => readJsonFile(array, Schema)).toThrow(`${array}: (root): `);
  });
});
