/**
 * Starts a worker thread from a module next to the caller: the compiled `.js`, or the `.ts` source
 * through tsx when running from sources (tests, `tsx`). The same boot as the model sessions'
 * (`src/infer/worker-session.ts`).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `name` without extension, resolved next to `callerUrl` (pass `import.meta.url`). */
export function spawnWorkerThread(callerUrl: string, name: string, workerData: unknown): Worker {
  const entry = new URL(`./${name}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  // The ESM build of tsx's API: its CommonJS build resolves its own hooks wrongly inside a worker.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
