/**
 * Reading a JSON file robonav wrote (run.json, policy.json, checkpoint files, episode files): read,
 * parse and validate in one step, so that every such file fails the same way — a `FileFormatError`
 * naming the file and what is wrong with it — and its contents are typed by the schema, never cast.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { FileFormatError, formatZodError } from './errors.js';

/**
 * The contents of `file`, validated by `schema`. `missing` says what an absent file means to the
 * caller (e.g. `missing (not a run directory)`).
 * @throws FileFormatError when the file is missing, unreadable, not JSON or not valid.
 */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, missing = 'missing'): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const absent = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FileFormatError(file, absent ? missing : `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FileFormatError(file, `not valid JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new FileFormatError(file, formatZodError(result.error));
  return result.data;
}
