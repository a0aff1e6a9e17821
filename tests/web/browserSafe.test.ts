/**
 * The exported page's guard: bundle its entry (viewer/src/web/main.ts) for the browser with
 * esbuild, as `npm run build` does, and fail when anything it imports reaches a Node builtin.
 * Without this, one `import … from 'node:fs'` in a module the page shares (an env, the policy, the
 * stream) would break the page only at build time, or worse, only in a browser.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Records every import of a Node builtin (with its importer) and keeps it out of the bundle. */
function nodeImports(found: string[]): Plugin {
  return {
    name: 'node-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith('node:')) return undefined;
        found.push(`${path.relative(ROOT, args.importer)} imports ${args.path}`);
        return { path: args.path, external: true };
      });
    },
  };
}

async function bundle(entry: string): Promise<{ found: string[]; inputs: string[] }> {
  const found: string[] = [];
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    write: false,
    // An output folder only so that esbuild accepts the page's CSS imports; nothing is written.
    outdir: path.join(ROOT, 'dist', 'browser-safe-check'),
    format: 'iife',
    platform: 'browser',
    metafile: true,
    logLevel: 'silent',
    plugins: [nodeImports(found)],
  });
  // Packages reach bare builtins ('fs') too; a browser build maps those a package's "browser" field
  // disowns to nothing, and any other would be left as an import the browser cannot satisfy.
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imported of output.imports) if (NODE_BUILTINS.has(imported.path)) found.push(`the bundle imports ${imported.path}`);
  }
  return { found, inputs: Object.keys(result.metafile.inputs) };
}

describe('the exported page bundles for the browser', () => {
  it('reaches no Node builtin from its entry', async () => {
    const { found, inputs } = await bundle('viewer/src/web/main.ts');
    expect(found).toEqual([]);
    // It does bundle what it runs: the env registry, the policy and the stream.
    for (const module of ['envs/registry.ts', 'agents/ModelPolicy.ts', 'src/stream/EpisodeStreamer.ts']) {
      expect(inputs).toContain(module);
    }
  }, 120_000);

  it("keeps the viewer's own entry free of them too", async () => {
    expect((await bundle('viewer/src/main.ts')).found).toEqual([]);
  }, 120_000);

  it('catches a module that imports one', async () => {
    const { found } = await bundle('envs/episodeFile.ts');
    expect(found).toContain('envs/episodeFile.ts imports node:fs');
  }, 120_000);
});
