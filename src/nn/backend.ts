/**
 * TensorFlow.js backend selection, done once per process by `initBackend()`.
 *
 * Order of preference (the first that loads wins):
 *   1. `tensorflow` — @tensorflow/tfjs-node (native TensorFlow), an optional dependency that only
 *      installs where its native library can be downloaded;
 *   2. `wasm` — @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD), plus the kernels robonav adds for
 *      training (see `src/nn/wasm/`);
 *   3. `cpu` — pure JavaScript, with a one-line warning because training is ~300× slower.
 *
 * `ROBONAV_BACKEND=tensorflow|wasm|cpu` (or `initBackend({ backend })`) forces one; a forced
 * backend that cannot load is an error, never a silent fallback.
 *
 * Everything in robonav that touches tensors awaits `initBackend()` first:
 * ```ts
 * const { backend } = await initBackend();   // 'tensorflow' | 'wasm' | 'cpu'
 * ```
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { registerWasmKernels } from './wasm/index.js';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What `initBackend()` chose. */
export interface BackendInfo {
  /** The active TensorFlow.js backend. */
  backend: BackendName;
  /** The TensorFlow.js version (`@tensorflow/tfjs`). */
  version: string;
  /** Whether the wasm binary with SIMD instructions was loaded (wasm only; false otherwise). */
  simd: boolean;
}

export interface InitBackendOptions {
  /**
   * Force a backend instead of the first that loads.
   * @default process.env.ROBONAV_BACKEND, else automatic
   */
  backend?: string;
}

let chosen: { request: BackendName | undefined; promise: Promise<BackendInfo> } | undefined;

/**
 * Choose and initialise the TensorFlow.js backend. Idempotent: every call returns the first
 * call's result. Asking for a different backend than the one already chosen is an error, because
 * tensors made on one backend are not usable after switching.
 *
 * @throws UsageError for an unknown backend name, Error when a forced backend cannot load.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  let request: BackendName | undefined;
  try {
    request = parseBackendName(options.backend ?? process.env.ROBONAV_BACKEND);
  } catch (err) {
    return Promise.reject(err);
  }
  if (chosen === undefined) {
    chosen = { request, promise: selectBackend(request) };
    // A failed choice may be retried (e.g. with another name) instead of poisoning the process.
    chosen.promise.catch(() => {
      chosen = undefined;
    });
    return chosen.promise;
  }
  const previous = chosen;
  if (request === undefined || request === previous.request) return previous.promise;
  return previous.promise.then((info) => {
    if (info.backend !== request) {
      throw new UsageError(`backend already initialised as "${info.backend}", cannot switch to "${request}"`);
    }
    return info;
  });
}

function parseBackendName(name: string | undefined): BackendName | undefined {
  if (name === undefined || name === '') return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new UsageError(`unknown TensorFlow.js backend "${name}" (ROBONAV_BACKEND or --backend): expected one of ${BACKEND_NAMES.join(', ')}`);
}

async function selectBackend(request: BackendName | undefined): Promise<BackendInfo> {
  if (request !== undefined) {
    const failure = await tryBackend(request);
    if (failure !== undefined) throw new Error(`TensorFlow.js backend "${request}" was requested but cannot load: ${failure}`);
    return describe(request);
  }
  for (const name of ['tensorflow', 'wasm'] as const) {
    if ((await tryBackend(name)) === undefined) return describe(name);
  }
  const failure = await tryBackend('cpu');
  if (failure !== undefined) throw new Error(`no TensorFlow.js backend could load: ${failure}`);
  // Our warning replaces tfjs's multi-line banner that the cpu backend prints on first use.
  (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
  process.stderr.write('robonav: warning: neither tfjs-node nor the wasm backend loaded; using the pure-JS cpu backend, training will be very slow\n');
  return describe('cpu');
}

/** Try to make `name` the active backend; returns why it failed, or undefined on success. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
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
      // The threaded build starts its workers from blob: URLs, which Node cannot load.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      registerWasmKernels();
    }
    if (!(await tf.setBackend(name))) return `tf.setBackend("${name}") failed`;
    await tf.ready();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function describe(backend: BackendName): Promise<BackendInfo> {
  const simd = backend === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { backend, version: tf.version.tfjs, simd };
}
