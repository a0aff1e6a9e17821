/**
 * Format fuzzing: mutations of valid files that robonav wrote — truncated, bit-flipped, with a
 * length, count or size field made huge or absurd — and the one rule every reader must keep on
 * them: it reads the file, or it throws the error it documents (a `FileFormatError`, or a
 * `UsageError` for files the user names) with the file in its message. A `TypeError`, a
 * `RangeError` or any other error is a reader bug, and is rethrown for fast-check to shrink and report.
 *
 * Properties run a fixed number of times from a fixed seed (`fuzzRuns`), so a failure reproduces
 * and each test file stays within a few seconds.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { FileFormatError } from '../../src/core/errors.js';

/** fast-check's settings for a format property: the fixed seed and `numRuns` runs. */
export function fuzzRuns(numRuns: number): fc.Parameters<unknown> {
  return { seed: 0x0f022, numRuns };
}

/** How much a reader may grow the process's resident memory over a whole property (bytes). */
export const RSS_BOUND = 200 * 2 ** 20;

/** u32 values that make a length or count field lie: past the end, past 2 GiB, past 4 GiB − 1. */
const HUGE_U32 = [0xffffffff, 0xfffffff0, 0x80000000, 0x7fffffff, 0x40000001, 0x10000000, 0x01000000, 0x00ffffff];

/** A byte-level mutation; positions are taken modulo the file's length. */
export type ByteMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; bits: Array<[number, number]> }
  | { kind: 'u32'; at: number; field: boolean; value: number };

/**
 * Truncation at any byte, 1–8 flipped bits, or a u32 (little-endian) written over the bytes at any
 * offset — or, with `field`, over one of the length fields the caller lists (`mutateBytes`).
 */
export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    bits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat(),
    field: fc.boolean(),
    value: fc.oneof(fc.constantFrom(...HUGE_U32), fc.nat({ max: 0xffffffff })),
  }),
);

/** `bytes` with `m` applied (a copy); `lengthFields` are offsets of u32 length fields the mutation may target. */
export function mutateBytes(bytes: Uint8Array, m: ByteMutation, lengthFields: readonly number[] = []): Buffer {
  const out = Buffer.from(bytes);
  if (out.byteLength === 0) return out;
  switch (m.kind) {
    case 'truncate':
      return out.subarray(0, m.at % out.byteLength);
    case 'flip':
      for (const [at, bit] of m.bits) out[at % out.byteLength]! ^= 1 << bit;
      return out;
    case 'u32': {
      if (out.byteLength < 4) return out;
      const at = m.field && lengthFields.length > 0 ? lengthFields[m.at % lengthFields.length]! : m.at % (out.byteLength - 3);
      out.writeUInt32LE(m.value, at);
      return out;
    }
  }
}

/** Values that no field of a robonav file should accept blindly: huge, negative, fractional, of another type. */
const ODD_VALUES: unknown[] = [2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e300, -1, 0, 0.5, -0.5, null, '', '../x', [], {}, true];
/** Stands for "remove this key or element". */
const REMOVE = Symbol('remove');

/** A JSON-level mutation: which node (taken modulo the node count; among numbers only with `numbers`) becomes what. */
export interface JsonMutation {
  at: number;
  numbers: boolean;
  to: unknown;
}

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.record({
  at: fc.nat(),
  numbers: fc.boolean(),
  to: fc.constantFrom(...ODD_VALUES, REMOVE),
});

/** A deep copy of `value` with one node (or the whole value) replaced, or one node removed, as `m` says. */
export function mutateJson(value: unknown, m: JsonMutation): unknown {
  const root = structuredClone(value);
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number; isNumber: boolean }> = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, child] of entries) {
      slots.push({ parent: node as Record<string, unknown>, key, isNumber: typeof child === 'number' });
      walk(child);
    }
  };
  walk(root);
  const numeric = slots.filter((s) => s.isNumber);
  const pool = m.numbers && numeric.length > 0 ? numeric : slots;
  // One pick in pool.length + 1 replaces the whole value (a file holding `null`, `[]`, `0` …).
  if (m.at % (pool.length + 1) === pool.length) return m.to === REMOVE ? root : structuredClone(m.to);
  const { parent, key } = pool[m.at % (pool.length + 1)]!;
  if (m.to !== REMOVE) (parent as Record<string | number, unknown>)[key] = structuredClone(m.to);
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key as string];
  return root;
}

/** A mutation of a JSON file: of its text (bytes), or of its parsed value (re-serialised). */
export type JsonFileMutation = { kind: 'bytes'; m: ByteMutation } | { kind: 'json'; m: JsonMutation };

export const jsonFileMutation: fc.Arbitrary<JsonFileMutation> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), m: byteMutation }),
  fc.record({ kind: fc.constant('json' as const), m: jsonMutation }),
);

/** The text of a JSON file with `m` applied. */
export function mutateJsonText(text: string, m: JsonFileMutation): Buffer {
  return m.kind === 'bytes' ? mutateBytes(Buffer.from(text), m.m) : Buffer.from(JSON.stringify(mutateJson(JSON.parse(text), m.m)));
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Run `read` on a mutated file: it may read it, or throw one of `errors` with `file` in the
 * message; any other failure is rethrown, and fails the property.
 */
export async function readsOrNamesFile(
  read: () => unknown,
  file: string,
  errors: readonly ErrorClass[] = [FileFormatError],
): Promise<void> {
  try {
    await read();
  } catch (err) {
    if (errors.some((kind) => err instanceof kind) && (err as Error).message.includes(file)) return;
    throw err;
  }
}

/**
 * The property of a JSON file: `file` holds `text` with a `jsonFileMutation` applied, and
 * `read` must read it or throw one of `errors` naming it.
 */
export function jsonFileProperty(
  file: string,
  text: string,
  read: () => unknown,
  errors: readonly ErrorClass[] = [FileFormatError],
): fc.IAsyncProperty<[JsonFileMutation]> {
  return fc.asyncProperty(jsonFileMutation, (m) => {
    writeFileSync(file, mutateJsonText(text, m));
    return readsOrNamesFile(read, file, errors);
  });
}
