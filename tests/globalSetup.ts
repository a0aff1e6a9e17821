/**
 * Build `dist/` once before the tests: CLI tests run `node dist/src/cli.js` and worker-thread
 * vector envs start their workers from compiled JavaScript.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
