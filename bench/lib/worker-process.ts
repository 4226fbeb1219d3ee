/**
 * The worker under test as its own process, so its peak RSS (VmHWM) and CPU are its own and not the
 * benchmark's. By default it is started as the image starts it: the compiled `dist/` (built once per
 * bench process with `npm run build`) and the Dockerfile's malloc settings (WORKER_MALLOC_ENV).
 * `entry: 'source'` runs `bin/integrity-worker.js` in the checkout, i.e. the sources through tsx,
 * whose loader costs every thread memory and start-up time that production does not pay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WORKER_MALLOC_ENV } from '../../src/worker-process-env.js';
import { sleep } from './stats.js';

/** How the worker process is started (`--worker-entry`, `--malloc-env` of the bench). */
export interface WorkerLaunch {
  /** `compiled`: `node dist/cli/index.js run`; `source`: `node bin/integrity-worker.js run` (tsx). */
  readonly entry: 'compiled' | 'source';
  /** With WORKER_MALLOC_ENV (as the Dockerfile); without: those variables removed from its env. */
  readonly mallocEnv: boolean;
}

export const PRODUCTION_LAUNCH: WorkerLaunch = Object.freeze({ entry: 'compiled', mallocEnv: true });

let built: Promise<void> | undefined;

/** `npm run build` once per process, so the compiled worker is the checkout's sources. */
function buildOnce(root: URL): Promise<void> {
  built ??= new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'build'], { cwd: fileURLToPath(root), stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build exited with code ${code}`)),
    );
  });
  return built;
}

function launchEnv(env: Record<string, string>, mallocEnv: boolean): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...(mallocEnv ? WORKER_MALLOC_ENV : {}), ...env };
  if (!mallocEnv) for (const key of Object.keys(WORKER_MALLOC_ENV)) delete merged[key];
  return merged;
}

export interface WorkerProcess {
  readonly pid: number;
  readonly httpPort: number;
  /** Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** Peak resident set size so far, MiB (VmHWM). */
  peakRssMiB(): number;
  /** Resident set size now, MiB (VmRSS). */
  rssMiB(): number;
  /** CPU time the process used so far, all threads, user + system, seconds (/proc/<pid>/stat). */
  cpuSeconds(): number;
  /**
   * The highest of each `iw.runtime.memory` type (process.memoryUsage() of the main thread: rss,
   * heap_used, heap_total, external, array_buffers) over /metrics polled every second since ready,
   * MiB, and each type's value in the sample with the highest rss. Worker threads' heaps and native
   * memory (onnxruntime, libvips) are in rss only.
   */
  memoryPeaks(): { peak: Record<string, number>; atRssPeak: Record<string, number> };
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startWorkerProcess(
  root: URL,
  env: Record<string, string>,
  extraNodeArgs: readonly string[] = [],
  launch: WorkerLaunch = PRODUCTION_LAUNCH,
): Promise<WorkerProcess> {
  if (launch.entry === 'compiled') await buildOnce(root);
  const httpPort = await freePort();
  const entry = launch.entry === 'compiled' ? 'dist/cli/index.js' : 'bin/integrity-worker.js';
  const child = spawn(process.execPath, [...extraNodeArgs, entry, 'run'], {
    cwd: fileURLToPath(root),
    env: launchEnv({ ...env, HTTP_PORT: String(httpPort) }, launch.mallocEnv),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`worker exited with code ${child.exitCode} while starting`);
    const ok = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('worker not ready within 120 s');
    await sleep(100);
  }
  const pid = child.pid!;
  const peak: Record<string, number> = {};
  let atRssPeak: Record<string, number> = {};
  const sampler = setInterval(() => {
    fetch(`http://127.0.0.1:${httpPort}/metrics`)
      .then((r) => r.text())
      .then((text) => {
        const sample: Record<string, number> = {};
        for (const m of text.matchAll(/^iw_runtime_memory(?:_bytes)?\{[^}]*type="(\w+)"[^}]*\} (\S+)/gm))
          sample[m[1]!] = Number(m[2]) / 1048576;
        for (const [type, mib] of Object.entries(sample)) peak[type] = Math.max(peak[type] ?? 0, mib);
        if ((sample.rss ?? 0) >= (atRssPeak.rss ?? 0)) atRssPeak = sample;
      })
      .catch(() => undefined);
    // Once a second: each scrape serializes every histogram on the worker's event loop (at 4 per second,
    // the exporter was 2-3 % of a cold run's main-thread profile; Prometheus scrapes every 15-30 s).
  }, 1000);
  sampler.unref();
  void exited.then(() => clearInterval(sampler));
  return {
    pid,
    httpPort,
    metrics: async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text(),
    peakRssMiB: () => status(pid, 'VmHWM'),
    rssMiB: () => status(pid, 'VmRSS'),
    cpuSeconds: () => cpuSeconds(pid),
    memoryPeaks: () => ({ peak: { ...peak }, atRssPeak: { ...atRssPeak } }),
    stop: async () => {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function status(pid: number, field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat, after the parenthesized name), in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields from the third on (state is field 3): utime is field 14, stime field 15; clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
