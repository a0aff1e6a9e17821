/**
 * The compiled JavaScript of a module, for what must run as JavaScript: worker threads and child
 * processes. From the built package (`dist/`) a module's URL already names JavaScript; from the
 * TypeScript sources (vitest runs them) it names a `.ts` file whose compiled copy sits at the
 * same path under `dist/` (`npm run build`).
 *
 *   new Worker(compiledModule(new URL('./workerLoop.js', import.meta.url)))
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `url` itself when it names an existing file, else its copy under the project's `dist/`. @throws Error when neither exists. */
export function compiledModule(url: URL): URL {
  const file = fileURLToPath(url);
  if (existsSync(file)) return url;
  const root = projectRoot(path.dirname(file));
  const compiled = root === null ? null : path.join(root, 'dist', path.relative(root, file));
  if (compiled === null || !existsSync(compiled)) throw new Error(`${compiled ?? file} does not exist; run \`npm run build\` first`);
  return pathToFileURL(compiled);
}

/** The nearest folder at or above `dir` that holds a package.json. */
function projectRoot(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return null;
  }
}
