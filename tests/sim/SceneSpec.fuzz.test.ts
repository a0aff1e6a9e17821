/**
 * Format fuzzing of scene files (see tests/helpers/fuzz.ts): generated scenes written as JSON,
 * with their text damaged or a value made huge, negative, fractional, of another type, or removed;
 * `loadSceneFile` must read them or throw a `UsageError` naming the file (a scene file is named by
 * the user).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { generateScene } from '../../src/sim/generators/index.js';
import { loadSceneFile } from '../../src/sim/sceneFile.js';
import { fuzzRuns, jsonFileProperty } from '../helpers/fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-scene-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadSceneFile on mutated scene files', () => {
  it('reads a room layout with dynamic bodies and goals, or names it', async () => {
    const file = join(dir, 'rooms.json');
    const text = JSON.stringify(generateScene('rooms', { seed: 4, dynamic: 3 }));
    writeFileSync(file, text);
    loadSceneFile(file);
    await fc.assert(
      jsonFileProperty(file, text, () => loadSceneFile(file), [UsageError]),
      fuzzRuns(200),
    );
  });
});
