/**
 * Multi-threaded wasm in Node. The stock loader cannot start the threaded build there: it hands
 * emscripten a `blob:` URL for the pthread worker script, which Node's `worker_threads` cannot
 * load. This loader writes that worker script (shipped inside the package as a string) to a file
 * once, points emscripten at it and at the glue script on disk, and registers the result as the
 * `wasm` backend, so XNNPACK convolutions and matrix products run on `threads` threads.
 *
 * The build caps its thread pool at (logical cores / 2), assuming two hyper-threads per core; on
 * a 2-core machine that is one thread. The loader therefore reports `2 × threads` logical cores
 * to the module while it initialises.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { writeFileAtomicSync } from '../../core/atomicWrite.js';

/** Most threads the build can use: it pre-creates 8 pthread workers. */
export const MAX_WASM_THREADS = 8;

/** Same priority as the stock registration, so automatic selection is unchanged. */
const WASM_PRIORITY = 2;

interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: Record<string, (...args: number[]) => number>;
  PThread: { runningWorkers: { unref(): void }[] };
}

type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** Replace the `wasm` backend's factory with one that loads the threaded SIMD build. */
export function registerThreadedWasm(threads: number): void {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new Error(`threaded wasm needs 2..${MAX_WASM_THREADS} threads, got ${threads}`);
  }
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const out = path.join(dist, '..', 'wasm-out');
  const glue = path.join(out, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(glue) as Factory;
  const workerScript = writeWorkerScript(require(path.join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')).wasmWorkerContents);

  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const cpus = os.cpus;
      os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]);
      let module: EmscriptenModule;
      try {
        module = await factory({
          locateFile: (file: string) =>
            file.endsWith('.worker.js')
              ? workerScript
              : file.endsWith('.wasm')
                ? path.join(dist, 'tfjs-backend-wasm-threaded-simd.wasm')
                : path.join(out, file),
          // Each pthread worker evaluates this script to build its copy of the module.
          mainScriptUrlOrBlob: glue,
        });
      } finally {
        os.cpus = cpus;
      }
      // The same bindings the stock loader adds (tfjs-backend-wasm's init()).
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      wasmBackend.setThreadsCount(threads);
      const backend = new wasmBackend.BackendWasm(module as unknown as ConstructorParameters<typeof wasmBackend.BackendWasm>[0]);
      // From here on the thread pool's workers wait for work for the life of the process;
      // unreferenced, they do not keep Node from exiting when the program is done.
      for (const worker of module.PThread.runningWorkers) worker.unref();
      return backend;
    },
    WASM_PRIORITY,
  );
}

/**
 * Write the pthread worker script to the temp folder (once per content, atomically) and return
 * its path. Newlines inside its string literals arrive unescaped from the package's template
 * string and are escaped back, as the stock loader does before making its blob.
 */
function writeWorkerScript(contents: string): string {
  const source = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha1').update(source).digest('hex').slice(0, 12);
  const file = path.join(os.tmpdir(), `robonav-tfjs-wasm-pthread-${hash}.cjs`);
  if (!existsSync(file)) {
    writeFileAtomicSync(file, source);
  }
  return file;
}
