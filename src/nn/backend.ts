/**
 * TensorFlow.js backend selection, done once per process by `initBackend()`.
 *
 * Order of preference (the first that loads wins):
 *   1. `tensorflow` — @tensorflow/tfjs-node (native TensorFlow), an optional dependency that only
 *      installs where its native library can be downloaded;
 *   2. `wasm` — @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD), plus the kernels robonav adds for
 *      training (see `src/nn/wasm/`);
 *   3. `cpu` — pure JavaScript, with a one-line warning: it trains hundreds of times slower.
 *
 * `ROBONAV_BACKEND=tensorflow|wasm|cpu` (or `initBackend({ backend })`) forces one; a forced
 * backend that cannot load is an error, never a silent fallback. `ROBONAV_WASM_THREADS=n` (or
 * `initBackend({ threads })`) runs wasm on n threads (see `src/nn/wasm/threads.ts`); the default
 * is one, which leaves the other cores to the simulator's worker threads.
 *
 * Everything in robonav that touches tensors awaits `initBackend()` first:
 * ```ts
 * const { backend } = await initBackend();   // 'tensorflow' | 'wasm' | 'cpu'
 * ```
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { registerWasmKernels } from './wasm/index.js';
import { MAX_WASM_THREADS, registerThreadedWasm } from './wasm/threads.js';

/** The TensorFlow.js backends robonav can run on, in order of preference. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
/** One of `BACKEND_NAMES`. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What `initBackend()` chose. */
export interface BackendInfo {
  /** The active TensorFlow.js backend. */
  backend: BackendName;
  /** The TensorFlow.js version (`@tensorflow/tfjs`). */
  version: string;
  /** Whether the wasm binary with SIMD instructions was loaded (wasm only; false otherwise). */
  simd: boolean;
  /** Threads the backend computes with (tensorflow: the machine's cores). */
  threads: number;
}

/** Which backend to force and how many wasm threads; both default to environment variables. */
export interface InitBackendOptions {
  /**
   * Force a backend instead of the first that loads.
   * @default process.env.ROBONAV_BACKEND, else automatic
   */
  backend?: string;
  /**
   * Threads of the wasm backend, 1 to 8; ignored by the other backends.
   * @default process.env.ROBONAV_WASM_THREADS, else 1
   */
  threads?: number;
}

interface Request {
  backend: BackendName | undefined;
  threads: number | undefined;
}

let chosen: Promise<BackendInfo> | undefined;

/**
 * Choose and initialise the TensorFlow.js backend. Idempotent: every call returns the first
 * call's result. Asking for a different backend than the one already chosen is an error, because
 * tensors made on one backend are not usable after switching.
 *
 * @throws UsageError for an unknown backend name, Error when a forced backend cannot load.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  let request: Request;
  try {
    request = {
      backend: parseBackendName(options.backend ?? process.env.ROBONAV_BACKEND),
      threads: parseThreads(options.threads ?? process.env.ROBONAV_WASM_THREADS),
    };
  } catch (err) {
    return Promise.reject(err);
  }
  if (chosen === undefined) {
    const promise = selectBackend(request.backend, request.threads ?? 1);
    chosen = promise;
    // A failed choice may be retried (e.g. with another name) instead of poisoning the process.
    promise.catch(() => {
      if (chosen === promise) chosen = undefined;
    });
    return promise;
  }
  return chosen.then((info) => {
    if (request.backend !== undefined && info.backend !== request.backend) {
      throw new UsageError(`backend already initialised as "${info.backend}", cannot switch to "${request.backend}"`);
    }
    if (info.backend === 'wasm' && request.threads !== undefined && info.threads !== request.threads) {
      throw new UsageError(`wasm backend already initialised with ${info.threads} thread(s), cannot switch to ${request.threads}`);
    }
    return info;
  });
}

function parseBackendName(name: string | undefined): BackendName | undefined {
  if (name === undefined || name === '') return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new UsageError(
    `unknown TensorFlow.js backend "${name}" (ROBONAV_BACKEND or --backend): expected one of ${BACKEND_NAMES.join(', ')}`,
  );
}

function parseThreads(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new UsageError(
      `wasm threads (ROBONAV_WASM_THREADS or --threads) must be an integer from 1 to ${MAX_WASM_THREADS}, got "${value}"`,
    );
  }
  return n;
}

async function selectBackend(request: BackendName | undefined, threads: number): Promise<BackendInfo> {
  if (request !== undefined) {
    const failure = await tryBackend(request, threads);
    if (failure !== undefined) throw new Error(`TensorFlow.js backend "${request}" was requested but cannot load: ${failure}`);
    return describe(request);
  }
  for (const name of ['tensorflow', 'wasm'] as const) {
    if ((await tryBackend(name, threads)) === undefined) return describe(name);
  }
  const failure = await tryBackend('cpu', threads);
  if (failure !== undefined) throw new Error(`no TensorFlow.js backend could load: ${failure}`);
  process.stderr.write(
    'robonav: warning: neither tfjs-node nor the wasm backend loaded; using the pure-JS cpu backend, training will be very slow\n',
  );
  return describe('cpu');
}

/** Try to make `name` the active backend; returns why it failed, or undefined on success. */
async function tryBackend(name: BackendName, threads: number): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') {
      // A variable specifier keeps TypeScript from requiring the optional package's types.
      const nodePackage = '@tensorflow/tfjs-node';
      await import(nodePackage);
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // Absolute paths to the package's own .wasm files: correct from dist/, from vitest, and
      // whatever the current directory is.
      const require = createRequire(import.meta.url);
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(`${dir}${path.sep}`);
      // The stock loader's threaded build starts its workers from blob: URLs, which Node
      // cannot load; robonav's own loader does threads.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      if (threads > 1) registerThreadedWasm(threads);
      registerWasmKernels();
    }
    if (!(await tf.setBackend(name))) return `tf.setBackend("${name}") failed`;
    await tf.ready();
    // tfjs's cpu backend prints a multi-line "install tfjs-node" banner on first use; robonav
    // warns in one line when it falls back, and says nothing when the user forced cpu.
    if (name === 'cpu') (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function describe(backend: BackendName): Promise<BackendInfo> {
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    return { backend, version: tf.version.tfjs, simd, threads: wasm.getThreadsCount() };
  }
  return { backend, version: tf.version.tfjs, simd: false, threads: backend === 'cpu' ? 1 : os.availableParallelism() };
}
