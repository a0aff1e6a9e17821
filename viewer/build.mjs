/**
 * Build the browser viewer: type-check viewer/ (its own tsconfig with DOM libs), then bundle
 * viewer/src/main.ts with esbuild into dist/viewer/ (viewer.js, viewer.css, index.html).
 * Run by `npm run build` after the Node build.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, 'dist', 'viewer');

try {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.json')], {
    stdio: 'inherit',
  });
} catch {
  console.error('viewer/build.mjs: type errors in viewer/ (listed above)');
  process.exit(1);
}

mkdirSync(out, { recursive: true });
await build({
  entryPoints: { viewer: join(here, 'src', 'main.ts') },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: true,
  outdir: out,
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
