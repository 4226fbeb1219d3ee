/**
 * ORB off the main thread: one worker thread (orb-thread-worker.ts) holding OpenCV.js, started on
 * first use (OpenCV.js compiles in a few seconds; a worker that never verifies never pays for it),
 * with a bounded queue. Every failure is an IW_NEAR_DUPLICATE_UNVERIFIED rejection whose
 * `details.reason` says why (`verifier-busy`: the queue is full; `verifier-failed`: the thread failed
 * to start, died or answered an error; `no-query-image`: the bytes did not decode), so the caller
 * falls back to the strict embedding distance; it never throws anything else. A thread that died
 * is started again on the first request after `restartAfterMs` (meanwhile requests fail at once:
 * a thread that cannot start is not retried for every pin).
 */
import type { Worker } from 'node:worker_threads';
import { IntegrityError } from '../errors.js';
import { spawnWorkerThread } from '../worker-thread.js';
import type { OrbCount, QueryFeatures } from './near-duplicate-verification.js';
import type { GeometryRejection, OrbFeatures } from './orb-verifier.js';

/** What the worker thread is started with. */
export interface OrbThreadData {
  readonly longerSidePx: number;
  /** Images of more pixels are refused (IMAGE_MAX_PIXELS). */
  readonly maxPixels: number;
}

export type OrbOperation =
  | { readonly op: 'query'; readonly bytes: Uint8Array }
  | { readonly op: 'index'; readonly bytes: Uint8Array }
  | { readonly op: 'inliers'; readonly query: QueryFeatures; readonly indexed: OrbFeatures };
export type OrbRequest = { readonly id: number } & OrbOperation;

/** What ORB verification asks of its extractor (the thread; tests may run it in process). */
export interface OrbExtractor {
  /** The query's features, of the image and of its mirror (for flipped copies). */
  query(bytes: Uint8Array): Promise<QueryFeatures>;
  /** Features of content entering the index (no mirror: the query's mirror covers flips). */
  index(bytes: Uint8Array): Promise<OrbFeatures>;
  /** Inliers of the better orientation of the query against indexed features. */
  inliers(query: QueryFeatures, indexed: OrbFeatures): Promise<OrbCount>;
}

export interface OrbThreadOptions extends OrbThreadData {
  /** Requests queued or running at once; more fail at once with `verifier-busy`. */
  readonly maxQueue: number;
  /** How long after a thread failure requests fail without starting a new one, ms. @defaultValue 10000 */
  readonly restartAfterMs?: number;
  /** Told whenever a thread fails to start or dies (logged by the worker). */
  readonly onFailure?: (error: IntegrityError) => void;
}

type Pending = { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void };
type FromThread =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | ({ id: number } & ({ error: { message: string; code: string } } | Record<string, unknown>));

interface Running {
  readonly thread: Worker;
  readonly ready: Promise<void>;
}

export class OrbThread implements OrbExtractor {
  #running: Running | undefined;
  #failedAt = -Infinity;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  constructor(private readonly options: OrbThreadOptions) {}

  /** Requests queued or running now. */
  get queued(): number {
    return this.#pending.size;
  }

  /** The running thread (tests terminate it from outside), if one was started. */
  get thread(): Worker | undefined {
    return this.#running?.thread;
  }

  async query(bytes: Uint8Array): Promise<QueryFeatures> {
    const r = await this.#request({ op: 'query', bytes });
    return { direct: features(r['direct']), mirrored: features(r['mirrored']) };
  }

  async index(bytes: Uint8Array): Promise<OrbFeatures> {
    return features((await this.#request({ op: 'index', bytes }))['features']);
  }

  async inliers(query: QueryFeatures, indexed: OrbFeatures): Promise<OrbCount> {
    const r = await this.#request({ op: 'inliers', query, indexed });
    return r['rejected'] === undefined
      ? { inliers: r['inliers'] as number }
      : { inliers: r['inliers'] as number, rejected: r['rejected'] as GeometryRejection };
  }

  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    this.#failAll(unverified('verifier-failed', 'ORB verifier closed'));
    if (running) await running.thread.terminate();
  }

  async #request(request: OrbOperation): Promise<Record<string, unknown>> {
    if (this.#pending.size >= this.options.maxQueue)
      throw unverified('verifier-busy', `ORB verifier queue full (${this.options.maxQueue})`);
    const running = this.#start();
    const id = this.#nextId++;
    const answer = new Promise<Record<string, unknown>>((resolve, reject) =>
      this.#pending.set(id, { resolve, reject }),
    );
    // Rejected by a failing start too, while the caller still awaits `ready` below.
    answer.catch(() => {});
    try {
      await running.ready;
    } catch (error) {
      this.#pending.delete(id);
      throw error;
    }
    running.thread.postMessage({ ...request, id });
    return answer;
  }

  #start(): Running {
    if (this.#running) return this.#running;
    const restartAfterMs = this.options.restartAfterMs ?? 10_000;
    if (performance.now() - this.#failedAt < restartAfterMs)
      throw unverified('verifier-failed', 'ORB verifier failed recently; not restarted yet');
    const { longerSidePx, maxPixels } = this.options;
    const data: OrbThreadData = { longerSidePx, maxPixels };
    const thread = spawnWorkerThread(import.meta.url, 'orb-thread-worker', data);
    // The worker's own closers stop it; it never keeps a process alive on its own.
    thread.unref();
    let started: () => void = () => {};
    let notStarted: (error: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => ((started = resolve), (notStarted = reject)));
    // Awaited by every request; a failed start must not be an unhandled rejection when none waits.
    ready.catch(() => {});
    const running: Running = { thread, ready };
    const fail = (message: string, cause?: unknown) => {
      if (this.#running !== running) return;
      this.#running = undefined;
      this.#failedAt = performance.now();
      const error = unverified('verifier-failed', `ORB verifier thread: ${message}`, cause);
      notStarted(error);
      this.#failAll(error);
      this.options.onFailure?.(error);
      void thread.terminate();
    };
    thread.on('error', (error) => fail(error.message, error));
    thread.on('exit', (code) => fail(`exited (code ${code})`));
    thread.on('message', (message: FromThread) => {
      if ('kind' in message) {
        if (message.kind === 'failed') fail(`did not start: ${String(message.message)}`);
        else started();
        return;
      }
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (!pending) return;
      const error = message['error'] as { message: string; code: string } | undefined;
      if (error === undefined) pending.resolve(message);
      else
        pending.reject(
          unverified(
            error.code.startsWith('IW_IMAGE_') ? 'no-query-image' : 'verifier-failed',
            error.message,
          ),
        );
    });
    this.#running = running;
    return running;
  }

  #failAll(error: Error): void {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}

function unverified(reason: string, message: string, cause?: unknown): IntegrityError {
  return new IntegrityError('IW_NEAR_DUPLICATE_UNVERIFIED', message, {
    details: { reason },
    ...(cause !== undefined && { cause }),
  });
}

/** Features as posted back by the thread (structured clone keeps the typed arrays). */
function features(value: unknown): OrbFeatures {
  const f = value as OrbFeatures;
  return { count: f.count, points: f.points, descriptors: f.descriptors };
}
