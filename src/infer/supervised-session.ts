/**
 * Keeps one model's session alive: when the session dies on its own (its worker thread crashed, was
 * terminated or ran out of memory), runs in flight have already failed with IW_MODEL_UNAVAILABLE
 * (retriable, so the stage runner tries them again), `up` turns false (readiness follows it), and a
 * new session is started with exponential backoff until one is ready (created, contract-checked and
 * warmed up by `start`). Runs that arrive while the model is down wait for the new session, at most
 * `waitMs`, then fail with IW_MODEL_UNAVAILABLE. The supervisor reports every transition to its
 * observer (metrics and logs live there, not here).
 */
import { IntegrityError } from '../errors.js';
import type { SessionRunner, ValueInfo } from './session-runner.js';
import type { TensorMap } from './tensor-data.js';

export type SupervisorEvent =
  | { kind: 'down'; model: string; error: Error }
  | { kind: 'restarted'; model: string; attempts: number; downMs: number }
  | { kind: 'restart-failed'; model: string; attempt: number; error: unknown; nextDelayMs: number };

export interface SupervisedSessionOptions {
  /** `name@version`, for errors and events. */
  model: string;
  /** Starts a new session ready to serve (create, check, warm up); rejects when it cannot. */
  start: () => Promise<SessionRunner>;
  /**
   * First restart delay; doubles per consecutive failure (a crash soon after a restart counts too).
   * @defaultValue 100 (ms)
   */
  baseDelayMs?: number;
  /** @defaultValue 30000 (ms) */
  maxDelayMs?: number;
  /** A session that stayed up this long resets the backoff. @defaultValue 60000 (ms) */
  stableMs?: number;
  /** Longest time a run waits for a restarting model before it fails. @defaultValue 5000 (ms) */
  waitMs?: number;
  /** Told about crashes and restarts; its exceptions are swallowed. */
  observer?: (event: SupervisorEvent) => void;
  /** @defaultValue performance.now */
  now?: () => number;
}

export class SupervisedSession implements SessionRunner {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly #o: Required<Omit<SupervisedSessionOptions, 'observer'>> &
    Pick<SupervisedSessionOptions, 'observer'>;
  #current: SessionRunner | undefined;
  #upSince = 0;
  #streak = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #waiters = new Set<() => void>();
  #restarts = 0;

  /** `first` is the session already started (and warmed up) by the caller. */
  constructor(first: SessionRunner, options: SupervisedSessionOptions) {
    this.#o = {
      baseDelayMs: 100,
      maxDelayMs: 30_000,
      stableMs: 60_000,
      waitMs: 5000,
      now: () => performance.now(),
      ...options,
    };
    this.inputs = first.inputs;
    this.outputs = first.outputs;
    this.#serve(first);
  }

  /** True while a session is serving; false from its crash until its replacement is warmed up. */
  get up(): boolean {
    return this.#current !== undefined;
  }

  /** Sessions started to replace a dead one. */
  get restarts(): number {
    return this.#restarts;
  }

  async run(feeds: TensorMap): Promise<TensorMap> {
    const session = this.#current ?? (await this.#waitForSession());
    return session.run(feeds);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const wake of this.#waiters) wake();
    const current = this.#current;
    this.#current = undefined;
    await current?.close();
  }

  #serve(session: SessionRunner): void {
    this.#current = session;
    this.#upSince = this.#o.now();
    for (const wake of this.#waiters) wake();
    void session.crashed?.then((error) => {
      if (this.#current !== session || this.#closed) return;
      this.#current = undefined;
      if (this.#o.now() - this.#upSince >= this.#o.stableMs) this.#streak = 0;
      this.#emit({ kind: 'down', model: this.#o.model, error });
      this.#schedule(this.#o.now(), 1);
    });
  }

  /** Arms the next restart attempt; returns its delay. */
  #schedule(downAt: number, attempt: number): number {
    const delayMs = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** this.#streak);
    this.#streak++;
    this.#timer = setTimeout(() => void this.#restart(downAt, attempt), delayMs);
    return delayMs;
  }

  async #restart(downAt: number, attempt: number): Promise<void> {
    if (this.#closed) return;
    let session: SessionRunner;
    try {
      session = await this.#o.start();
    } catch (error) {
      if (this.#closed) return;
      const nextDelayMs = this.#schedule(downAt, attempt + 1);
      this.#emit({ kind: 'restart-failed', model: this.#o.model, attempt, error, nextDelayMs });
      return;
    }
    if (this.#closed) return void (await session.close());
    this.#restarts++;
    this.#serve(session);
    this.#emit({
      kind: 'restarted',
      model: this.#o.model,
      attempts: attempt,
      downMs: this.#o.now() - downAt,
    });
  }

  #waitForSession(): Promise<SessionRunner> {
    return new Promise((resolve, reject) => {
      const unavailable = (why: string) =>
        new IntegrityError('IW_MODEL_UNAVAILABLE', `model ${this.#o.model} ${why}`, {
          details: { model: this.#o.model, waitMs: this.#o.waitMs },
        });
      if (this.#closed) return reject(unavailable('is closed'));
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        if (this.#current) resolve(this.#current);
        else reject(unavailable(this.#closed ? 'is closed' : 'is down'));
      };
      const timer = setTimeout(wake, this.#o.waitMs);
      this.#waiters.add(wake);
    });
  }

  #emit(event: SupervisorEvent): void {
    try {
      this.#o.observer?.(event);
    } catch {
      // Instrumentation must never stop a restart.
    }
  }
}
