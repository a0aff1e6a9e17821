/**
 * Backend selection: the automatic choice, forcing with ROBONAV_BACKEND (through the real CLI in
 * a child process, since the choice is made once per process), and the in-process contract.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { initBackend } from '../../src/nn/backend.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function info(backend: string | undefined, threads?: string): Promise<Run> {
  const env = { ...process.env };
  delete env.ROBONAV_BACKEND;
  delete env.ROBONAV_WASM_THREADS;
  if (backend !== undefined) env.ROBONAV_BACKEND = backend;
  if (threads !== undefined) env.ROBONAV_WASM_THREADS = threads;
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli.js', 'info', '--json'], { cwd: root, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('robonav info --json', () => {
  it('chooses tfjs-node or wasm automatically, never the slow cpu backend', async () => {
    const run = await info(undefined);
    expect(run.code, run.stderr).toBe(0);
    const json = lastJsonLine(run.stdout);
    expect(json.backend).toBe(tfjsNodeInstalled() ? 'tensorflow' : 'wasm');
    expect(json.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(json.cores).toBeGreaterThan(0);
    expect(run.stderr).toBe('');
  });

  it('ROBONAV_BACKEND forces wasm or cpu', async () => {
    const [wasm, cpu] = await Promise.all([info('wasm'), info('cpu')]);
    expect(wasm.code, wasm.stderr).toBe(0);
    expect(cpu.code, cpu.stderr).toBe(0);
    expect(lastJsonLine(wasm.stdout)).toMatchObject({ backend: 'wasm', simd: true, threads: 1 });
    expect(lastJsonLine(cpu.stdout)).toMatchObject({ backend: 'cpu', simd: false, threads: 1 });
    // A forced choice is not a fallback: no warning, and no tfjs "install tfjs-node" banner.
    expect(cpu.stderr).toBe('');
  });

  it('ROBONAV_WASM_THREADS runs wasm on several threads, and the process still exits', async () => {
    const [two, nine] = await Promise.all([info('wasm', '2'), info('wasm', '9')]);
    expect(two.code, two.stderr).toBe(0);
    expect(lastJsonLine(two.stdout)).toMatchObject({ backend: 'wasm', threads: 2 });
    expect(nine.code).toBe(2);
    expect(nine.stderr).toMatch(/ROBONAV_WASM_THREADS.*from 1 to 8, got "9"/);
  });

  it('an unknown name is a usage error (exit 2) listing the choices, and prints nothing', async () => {
    const run = await info('gpu');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown TensorFlow\.js backend "gpu".*expected one of tensorflow, wasm, cpu/);
  });

  it('a forced backend that cannot load is an error, not a silent fallback', async () => {
    const run = await info('tensorflow');
    if (tfjsNodeInstalled()) {
      expect(lastJsonLine(run.stdout).backend).toBe('tensorflow');
    } else {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/backend "tensorflow" was requested but cannot load: .*@tensorflow\/tfjs-node/);
    }
  });
});

describe('initBackend', () => {
  it('is idempotent and refuses to switch backends once chosen', async () => {
    const first = await initBackend({ backend: 'wasm' });
    expect(await initBackend()).toBe(first);
    expect(await initBackend({ backend: 'wasm' })).toBe(first);
    await expect(initBackend({ backend: 'cpu' })).rejects.toThrow(UsageError);
    await expect(initBackend({ backend: 'cpu' })).rejects.toThrow('backend already initialised as "wasm", cannot switch to "cpu"');
    await expect(initBackend({ backend: 'webgl' })).rejects.toThrow(UsageError);
  });
});
