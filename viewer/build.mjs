/**
 * Build the browser viewer: type-check viewer/ (its own tsconfig with DOM libs), then bundle
 * viewer/src/main.ts with esbuild into dist/viewer/ (viewer.js, viewer.css, index.html), and the
 * page `robonav export-web` copies, viewer/src/web/main.ts, into dist/web/ (web.js,
 * web.css, index.html, and tfjs-wasm.js with TensorFlow.js's wasm binary). The exported page is a
 * classic script (IIFE), not a module: browsers refuse module scripts from file://, where the page
 * must work too.
 * Run by `npm run build` after the Node build.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

// Beside the viewer, not in it: the viewer's server serves everything under dist/viewer/.
const webOut = join(root, 'dist', 'web');
mkdirSync(webOut, { recursive: true });
await build({
  entryPoints: { web: join(here, 'src', 'web', 'main.ts') },
  bundle: true,
  format: 'iife',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  legalComments: 'none',
  outdir: webOut,
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'web', 'index.html'), join(webOut, 'index.html'));
// TensorFlow.js's wasm backend (SIMD build) as a data: URL in a classic script: the page cannot
// fetch a .wasm file from file://, but it can fetch a data: URL.
const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
const simd = readFileSync(join(wasmDir, 'tfjs-backend-wasm-simd.wasm')).toString('base64');
writeFileSync(join(webOut, 'tfjs-wasm.js'), `window.ROBONAV_WASM_SIMD = "data:application/octet-stream;base64,${simd}";\n`);
