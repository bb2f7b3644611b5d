import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/**
 * The tfjs wasm backend refuses threads in Node (flag WASM_HAS_MULTITHREAD_SUPPORT is false there) and,
 * in the browser path, hands Emscripten blob: URLs for its pthread worker and main script, which Node's
 * worker_threads cannot load. The Emscripten code itself supports Node workers, so we instantiate the
 * threaded SIMD build ourselves with real file paths and give the resulting module to tfjs's BackendWasm,
 * registered under the name 'wasm' so that the wasm kernels apply unchanged.
 */

const require = createRequire(import.meta.url);

interface EmscriptenWorker {
  unref(): void;
  terminate(): Promise<number>;
}

interface ThreadedWasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  PThread: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[] };
  tfjs?: Record<string, unknown>;
}

type ThreadedWasmFactory = (config: {
  locateFile: (file: string, prefix: string) => string;
  mainScriptUrlOrBlob: string;
}) => Promise<ThreadedWasmModule>;

const factoryPath =
  require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
const wasmOutDir = path.dirname(factoryPath);

/** worker_threads needs a file; the package ships the worker only as a string, so write it once per content. */
function workerScriptPath(): string {
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
      wasmWorkerContents: string;
    };
  // The string came from a template literal that turned the script's "\n" escapes into real newlines,
  // which break its string literals; tfjs undoes the same thing before making its blob.
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `tfjs-wasm-pthread-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, script);
    renameSync(partial, file);
  }
  return file;
}

/**
 * The module caps its thread pool at os.cpus().length / 2 (it assumes two hyperthreads per core), read once
 * in a static constructor while the module starts; report 2 × `threads` CPUs for exactly that window.
 */
async function withReportedCpus<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const cpus = os.cpus;
  const first = cpus()[0];
  if (first === undefined) return start();
  os.cpus = () => Array.from({ length: 2 * threads }, () => first);
  try {
    return await start();
  } finally {
    os.cpus = cpus;
  }
}

async function instantiateThreaded(threads: number): Promise<ThreadedWasmModule> {
  const factory = require(factoryPath) as ThreadedWasmFactory;
  const workerPath = workerScriptPath();
  const module = await withReportedCpus(threads, () =>
    factory({
      locateFile: (file, prefix) => {
        if (file.endsWith('.worker.js')) return workerPath;
        if (file.endsWith('.wasm')) return path.join(wasmOutDir, 'tfjs-backend-wasm-threaded-simd.wasm');
        return prefix + file;
      },
      mainScriptUrlOrBlob: factoryPath,
    }),
  );
  // Same bridge as tfjs-backend-wasm's own init(): BackendWasm calls these.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Replaces the registered 'wasm' backend by the threaded build with `threads` threads (XNNPACK's pool).
 * Must run before the wasm backend first starts. Should the threaded build fail to start, the package's
 * own single-threaded factory takes over, so this can only make the backend faster, never unavailable.
 */
export function registerThreadedWasm(threads: number): void {
  const singleThreaded = tf.findBackendFactory('wasm');
  if (singleThreaded !== null) tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        setThreadsCount(threads);
        const module = await instantiateThreaded(threads);
        const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
        // Pool threads wait forever for work; they must not keep the process alive.
        for (const worker of module.PThread.runningWorkers) worker.unref();
        // Emscripten pre-starts 8 workers; XNNPACK's pool has taken what it needs, and each idle one holds
        // about 13 MB. Emscripten starts a fresh worker should a thread ever be created later.
        const idle = module.PThread.unusedWorkers.splice(0);
        await Promise.all(idle.map((worker) => worker.terminate()));
        return backend;
      } catch (error) {
        if (singleThreaded === null) throw error;
        setThreadsCount(1);
        return singleThreaded();
      }
    },
    2,
  );
}
