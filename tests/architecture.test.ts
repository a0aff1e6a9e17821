/**
 * The layer check: every relative import of a source file must point to its own layer or a layer
 * above it in the table of docs/architecture.md (read from there, so the document and the check
 * cannot disagree). Type-only imports count too: a type from a lower layer is still a dependency.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

interface Layer {
  rank: number;
  name: string;
  roots: string[];
}

/** The rows `| n | name | \`folder/\`, \`file.ts\` | … |` of the layer table. */
function readLayers(): Layer[] {
  const doc = readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const layers: Layer[] = [];
  for (const line of doc.split('\n')) {
    const m = /^\|\s*(\d+)\s*\|\s*([\w-]+)\s*\|([^|]+)\|/.exec(line);
    if (!m) continue;
    const roots = [...m[3]!.matchAll(/`([^`]+)`/g)].map((r) => r[1]!);
    layers.push({ rank: Number(m[1]), name: m[2]!, roots });
  }
  return layers;
}

const VIEWER_MAY_IMPORT = ['src/core/', 'src/sim/', 'src/stream/'];
/** The exported static page runs the env and the policy too; tests/web/browserSafe.test.ts keeps its imports free of Node APIs. */
const WEB_PAGE_MAY_IMPORT = [...VIEWER_MAY_IMPORT, 'src/render/', 'envs/', 'src/nn/', 'agents/', 'src/eval/'];

function listFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return listFiles(rel);
    return /\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Relative module specifiers of a source file: static and dynamic imports, re-exports, worker URLs. */
function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
    /\bnew\s+URL\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) specs.push(m[1]!);
  return specs;
}

function layerOf(file: string, layers: Layer[]): Layer | null {
  let best: Layer | null = null;
  let bestLength = -1;
  for (const layer of layers) {
    for (const root of layer.roots) {
      const hit = root.endsWith('/') ? file.startsWith(root) : file === root;
      if (hit && root.length > bestLength) {
        best = layer;
        bestLength = root.length;
      }
    }
  }
  return best;
}

describe('layers (docs/architecture.md)', () => {
  const layers = readLayers();
  const sources = ['src', 'envs', 'agents'].flatMap(listFiles);

  it('reads a table of layers whose folders hold every source file', () => {
    expect(layers.length).toBeGreaterThanOrEqual(10);
    const unplaced = sources.filter((f) => layerOf(f, layers) === null);
    expect(unplaced, 'source files in no layer of docs/architecture.md').toEqual([]);
  });

  it('has no import that points down the table', () => {
    const violations: string[] = [];
    for (const file of sources) {
      const from = layerOf(file, layers)!;
      for (const spec of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
        const to = layerOf(target, layers);
        if (to && to.rank > from.rank) violations.push(`${file} (${from.name}) imports ${target} (${to.name})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps the browser viewer and the exported page to the browser-safe layers', () => {
    const violations: string[] = [];
    for (const file of listFiles('viewer/src')) {
      const allowed = file.startsWith('viewer/src/web/') ? WEB_PAGE_MAY_IMPORT : VIEWER_MAY_IMPORT;
      for (const spec of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (target.startsWith('viewer/')) continue;
        if (!allowed.some((root) => target.startsWith(root))) violations.push(`${file} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('finds every kind of import it must check', () => {
    const source = [
      "import { a } from '../x/a.js';",
      "import type { B } from './b.js';",
      "export { c } from '../c.js';",
      "import '../side.js';",
      "const d = await import('../d.js');",
      "new Worker(new URL('./worker.js', import.meta.url));",
      "import {\n  e,\n  f,\n} from '../../ef.js';",
      "const s = 'not an import from ./here.js';",
    ].join('\n');
    expect(importsOf(source).sort()).toEqual(
      ['../../ef.js', '../c.js', '../d.js', '../side.js', '../x/a.js', './b.js', './worker.js'].sort(),
    );
  });
});
