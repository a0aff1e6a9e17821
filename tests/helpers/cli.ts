/**
 * Run the built `robonav` CLI (`dist/src/cli.js`, built by the vitest globalSetup) in a child
 * process and collect its exit code and output; a non-zero exit resolves rather than throws, so
 * tests can assert on exit code 2 and the error line. `serveCli` starts a command that serves the
 * viewer and waits for its address.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is merged over the current environment; `cwd` matters to commands that look for ./runs. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * Start a serving command (`view`, `play`) and wait for the address it prints on standard output,
 * with its `?token=…` when it has one. The child is returned at once, so that the caller can stop
 * it whatever happens; `url` rejects with its standard error if it exits first.
 */
export function serveCli(args: string[], cwd = ROOT): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Followed by white space: a chunk may end in the middle of the token.
      const m = /(http:\/\/[^\s/]+\/(?:\?token=[\w.~-]+)?)\s/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`robonav ${args[0]} exited with ${code}: ${err}`)));
  });
  return { child, url };
}
