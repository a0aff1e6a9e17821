import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSceneSpec } from '../../src/sim/SceneSpec.js';
import { loadSceneFile } from '../../src/sim/sceneFile.js';
import { generateScene } from '../../src/sim/generators/index.js';
import { UsageError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'robonav-scene-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadSceneFile', () => {
  it('loads a generated scene written as JSON', () => {
    const spec = generateScene('arena', { seed: 4 });
    expect(loadSceneFile(write('arena.json', JSON.stringify(spec)))).toEqual(spec);
  });

  it('names the file for a missing file and for bad JSON', () => {
    expect(() => loadSceneFile(join(dir, 'nope.json'))).toThrow(UsageError);
    expect(() => loadSceneFile(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read scene file \(ENOENT\)/);
    const bad = write('bad.json', '{"version": 1,');
    expect(() => loadSceneFile(bad)).toThrow(/bad\.json: not valid JSON/);
  });

  it('names the file and the field for a schema violation', () => {
    const spec = JSON.parse(JSON.stringify(generateScene('arena', { seed: 4 })));
    spec.primitives[2].size[1] = -1;
    const path = write('neg.json', JSON.stringify(spec));
    expect(() => loadSceneFile(path)).toThrow(`${path}: primitives[2].size[1]`);
    spec.primitives[2].size[1] = 1;
    spec.primitives[1].material.category = 99;
    const path2 = write('cat.json', JSON.stringify(spec));
    expect(() => loadSceneFile(path2)).toThrow(`${path2}: primitives[1].material.category: 99 is not an index`);
  });

  it('parseSceneSpec fills defaults and rejects unknown fields', () => {
    const spec = JSON.parse(JSON.stringify(generateScene('tmaze', { seed: 1 })));
    delete spec.dynamic;
    delete spec.sky;
    const parsed = parseSceneSpec(spec);
    expect(parsed.dynamic).toEqual([]);
    expect(parsed.sky).toEqual([0.55, 0.7, 0.9]);
    expect(() => parseSceneSpec({ ...spec, colour: 'red' }, 'x.json')).toThrow(/^x\.json: /);
  });
});
