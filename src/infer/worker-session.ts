/**
 * A session that lives in its own worker thread (session-worker.ts). The main thread only packs
 * tensors and posts them: input buffers are transferred (no copy), outputs come back the same way.
 * One worker per loaded model; requests are answered in order. If the worker dies (an uncaught
 * error in the thread, out of memory, terminated from outside), every pending and later `run`
 * rejects with IW_MODEL_UNAVAILABLE and `crashed` resolves; the supervisor starts a new one.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IntegrityError } from '../errors.js';
import type { SessionOptions, SessionRunner, ValueInfo } from './session-runner.js';
import { transferList, type TensorMap } from './tensor-data.js';

type Pending = { resolve: (outputs: TensorMap) => void; reject: (error: Error) => void };
type FromWorker =
  | { kind: 'ready'; inputs: ValueInfo[]; outputs: ValueInfo[] }
  | { kind: 'failed'; error: { message: string } }
  | { id: number; outputs: TensorMap }
  | { id: number; error: { message: string } };

/** Runs the compiled .js worker, or the .ts source through tsx when running from sources. */
function spawn(workerData: unknown): Worker {
  const entry = new URL(
    import.meta.url.endsWith('.ts') ? './session-worker.ts' : './session-worker.js',
    import.meta.url,
  );
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  // The ESM build of tsx's API: its CommonJS build resolves its own hooks wrongly inside a worker.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** A worker-thread session; `thread` is there for supervision tests that terminate it from outside. */
export interface WorkerSessionRunner extends SessionRunner {
  readonly thread: Worker;
  readonly crashed: Promise<Error>;
}

export const createWorkerSession = (path: string, options: SessionOptions): Promise<WorkerSessionRunner> =>
  new Promise<WorkerSessionRunner>((resolveReady, rejectReady) => {
    const worker = spawn({ path, options });
    const threadId = worker.threadId;
    const pending = new Map<number, Pending>();
    let nextId = 0;
    let failure: Error | undefined;
    let ready = false;
    let onCrash: (error: Error) => void = () => {};
    const crashed = new Promise<Error>((resolve) => (onCrash = resolve));

    const fail = (error: Error): void => {
      if (failure) return;
      failure = ready
        ? new IntegrityError('IW_MODEL_UNAVAILABLE', `session worker of ${path} died: ${error.message}`, {
            cause: error,
            details: { threadId },
          })
        : error;
      if (!ready) rejectReady(error);
      for (const p of pending.values()) p.reject(failure);
      pending.clear();
      if (ready) onCrash(failure);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`session worker exited (code ${code})`)));
    worker.on('message', (message: FromWorker) => {
      if ('kind' in message) {
        if (message.kind === 'failed') {
          fail(new Error(message.error.message));
          void worker.terminate();
          return;
        }
        ready = true;
        resolveReady(runner(message.inputs, message.outputs));
        return;
      }
      const p = pending.get(message.id);
      pending.delete(message.id);
      if ('error' in message) p?.reject(new Error(message.error.message));
      else p?.resolve(message.outputs);
    });

    const runner = (inputs: ValueInfo[], outputs: ValueInfo[]): WorkerSessionRunner => ({
      inputs,
      outputs,
      thread: worker,
      crashed,
      run(feeds: TensorMap): Promise<TensorMap> {
        if (failure) return Promise.reject(failure);
        const id = nextId++;
        return new Promise<TensorMap>((resolve, reject) => {
          pending.set(id, { resolve, reject });
          worker.postMessage({ id, feeds }, transferList(feeds));
        });
      },
      async close(): Promise<void> {
        if (failure) return;
        failure = new Error('session closed');
        await worker.terminate();
      },
    });
  });
