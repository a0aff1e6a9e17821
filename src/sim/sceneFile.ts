/**
 * Scene files: reading a SceneSpec from disk (Node only). Kept apart from `SceneSpec.ts` so that
 * the schema and its validator stay importable in a browser.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { parseSceneSpec, type SceneSpec } from './SceneSpec.js';

/**
 * Read and validate a scene file (JSON). A missing file, bad JSON or a schema violation is one
 * `UsageError` naming the file (and the field, e.g. `room.json: primitives[3].size[1]: …`).
 */
export function loadSceneFile(path: string): SceneSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot read scene file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseSceneSpec(json, path);
}
