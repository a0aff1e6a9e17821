/**
 * Run a script of examples/ as a user does, `tsx examples/NAME.ts …` in a child process: its
 * `'robonav'` imports resolve to the package itself (package.json "exports", `dist/` built by the
 * vitest globalSetup). A non-zero exit resolves rather than throws, so a test can show its stderr.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface ExampleRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runExample(name: string, args: string[], env: Record<string, string> = {}): Promise<ExampleRun> {
  return new Promise((resolve) => {
    execFile(TSX, [join('examples', `${name}.ts`), ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Start an example and wait for the first address it prints; `exit` resolves with its output when it ends. */
export function startExample(name: string, args: string[]): { child: ChildProcess; url: Promise<string>; exit: Promise<ExampleRun> } {
  const child = spawn(TSX, [join('examples', `${name}.ts`), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => reject(new Error(`examples/${name}.ts exited with ${code}: ${stderr}`)));
  });
  const exit = new Promise<ExampleRun>((resolve) => child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  return { child, url, exit };
}
