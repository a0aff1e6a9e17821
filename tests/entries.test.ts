/**
 * The package's entry points. package.json "exports" names the main entry and one `index.ts` per
 * layer, each with `types` and `default` conditions into `dist/`; tsconfig.test.json maps the same
 * names to the sources (so examples type-check without a build). Each entry names its exports one
 * by one; importing it gives exactly the values it names; no value is exported under one name by
 * two entries; every exported declaration carries a doc comment (what an editor shows on hover);
 * and every `import … from 'robonav…'` in the README, docs and examples names an export of its entry.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

interface Specifier {
  name: string;
  typeOnly: boolean;
  from: string;
}

const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

const pkg = JSON.parse(read('package.json')) as { exports: Record<string, { types: string; default: string }> };

/** Entry point name ('robonav', 'robonav/sim', …) → its source file, from package.json. */
const ENTRIES = new Map(
  Object.entries(pkg.exports).map(([subpath, target]) => [
    subpath === '.' ? 'robonav' : `robonav/${subpath.slice(2)}`,
    target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'),
  ]),
);

/** The `export { … } from '…'` statements of a module: each name, whether it is type-only, and its module (relative to the root). */
function reExports(file: string): Specifier[] {
  const specs: Specifier[] = [];
  for (const m of read(file).matchAll(/^export\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)';/gm)) {
    const from = path.posix.join(path.posix.dirname(file), m[3]!).replace(/\.js$/, '.ts');
    for (const part of m[2]!.split(',')) {
      const spec = part.trim();
      if (spec === '') continue;
      const typeOnly = m[1] !== undefined || spec.startsWith('type ');
      const name = spec
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!;
      specs.push({ name, typeOnly, from });
    }
  }
  return specs;
}

/**
 * Whether the declaration of `name` exported by `file` (or by the module it re-exports it from)
 * has a doc comment ending on the line just above it; null when no declaration is found.
 */
function documented(file: string, name: string): boolean | null {
  const source = read(file);
  const declaration = new RegExp(
    `^export\\s+(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?(?:class|interface|type|function\\*?|const|let|enum)\\s+${name}\\b`,
    'gm',
  );
  const found = [...source.matchAll(declaration)];
  if (found.length > 0) {
    return found.some((m) => {
      const before = source.slice(0, m.index);
      if (!/\*\/[ \t]*\n$/.test(before)) return false;
      return before.startsWith('/**', before.lastIndexOf('/*'));
    });
  }
  const reExport = reExports(file).find((s) => s.name === name);
  return reExport ? documented(reExport.from, name) : null;
}

/** Files under `dir` (relative to the root) whose names end with one of `extensions`. */
function listFiles(dir: string, extensions: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(ROOT, dir));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return listFiles(rel, extensions);
    return extensions.some((ext) => name.endsWith(ext)) ? [rel] : [];
  });
}

describe('package entry points', () => {
  it('maps every subpath to an index file of a layer folder, with types and default conditions into dist/', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      const source = ENTRIES.get(subpath === '.' ? 'robonav' : `robonav/${subpath.slice(2)}`)!;
      expect(Object.keys(target), subpath).toEqual(['types', 'default']);
      expect(target.types, subpath).toBe(`./dist/${source.replace(/\.ts$/, '.d.ts')}`);
      expect(statSync(path.join(ROOT, source)).isFile(), source).toBe(true);
      if (subpath !== '.') expect(path.posix.basename(source), subpath).toBe('index.ts');
    }
    expect(ENTRIES.get('robonav')).toBe('src/index.ts');
  });

  it('has an entry for every layer index file', () => {
    // src/commands/index.ts is the CLI's table of commands, not a library entry.
    const layerIndexes = ['src', 'envs', 'agents']
      .flatMap((dir) => listFiles(dir, ['index.ts']))
      .filter((file) => /^(?:src\/[^/]+|envs|agents)\/index\.ts$/.test(file) && file !== 'src/commands/index.ts');
    expect(layerIndexes.sort()).toEqual([...ENTRIES.values()].filter((f) => f !== 'src/index.ts').sort());
  });

  it('maps the same names to the sources in tsconfig.test.json', () => {
    const tsconfig = JSON.parse(read('tsconfig.test.json')) as { compilerOptions: { paths: Record<string, string[]> }; include: string[] };
    expect(tsconfig.compilerOptions.paths).toEqual(Object.fromEntries([...ENTRIES].map(([name, file]) => [name, [`./${file}`]])));
    expect(tsconfig.include).toContain('examples');
  });

  for (const [entry, file] of ENTRIES) {
    describe(entry, () => {
      const specs = reExports(file);

      it('names each export in an `export { … } from` statement', () => {
        const statements = read(file).match(/^export\b/gm) ?? [];
        const listed = read(file).match(/^export\s+(type\s+)?\{[^}]*\}\s*from\s*'[^']+';/gm) ?? [];
        expect(statements.length).toBe(listed.length);
        expect(specs.length).toBeGreaterThan(0);
        const names = specs.map((s) => s.name);
        expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
      });

      it('gives exactly the values it names when imported', async () => {
        const module = (await import(path.join(ROOT, file))) as Record<string, unknown>;
        const values = specs.filter((s) => !s.typeOnly).map((s) => s.name);
        expect(Object.keys(module).sort()).toEqual(values.sort());
        for (const name of values) expect(module[name], name).toBeDefined();
      });

      it('has a doc comment on every exported declaration', () => {
        const missing: string[] = [];
        for (const spec of specs) {
          const doc = documented(spec.from, spec.name);
          expect(doc, `no declaration of ${spec.name} in ${spec.from}`).not.toBeNull();
          if (doc === false) missing.push(spec.name);
        }
        expect(missing.sort()).toEqual([]);
      });
    });
  }

  it('exports no value from two entries under one name', async () => {
    const seen = new Map<string, { entry: string; value: unknown }>();
    const twice: string[] = [];
    for (const [entry, file] of ENTRIES) {
      const module = (await import(path.join(ROOT, file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        const first = seen.get(name);
        if (first && first.value === value) twice.push(`${name} (${first.entry}, ${entry})`);
        else seen.set(name, { entry, value });
      }
    }
    expect(twice).toEqual([]);
  });

  it("resolves every import from 'robonav…' in the README, docs and examples", () => {
    const exported = new Map([...ENTRIES].map(([entry, file]) => [entry, new Set(reExports(file).map((s) => s.name))]));
    const unknown: string[] = [];
    for (const file of ['README.md', ...listFiles('docs', ['.md']), ...listFiles('examples', ['.ts', '.md'])]) {
      for (const m of read(file).matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'(robonav(?:\/[\w-]+)?)'/g)) {
        const names = exported.get(m[2]!);
        for (const part of m[1]!.split(',')) {
          const name = part
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0]!;
          if (name !== '' && !names?.has(name)) unknown.push(`${file}: ${name} from '${m[2]}'`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });
});
