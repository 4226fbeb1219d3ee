/**
 * The chaos suite's workers: each one is `node bin/integrity-worker.js run` as its own process (the
 * shipped entry), its output appended to a log file of the run. Slots keep their number across kills
 * and restarts, so the log of slot 2 tells the story of every process that held it. Like a supervisor
 * (Kubernetes, systemd), the fleet restarts a worker that exits on its own or is SIGKILLed, after
 * `restartDelayMs`; only `stop` ends one for good.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class WorkerFleet {
  readonly #slots: (ChildProcess | undefined)[];
  readonly #stopping = new Set<number>();
  readonly #killed = new WeakSet<ChildProcess>();
  readonly #since: (number | undefined)[] = [];
  starts = 0;
  kills = 0;
  /** Exits the fleet did not cause (a worker that gave up, e.g. while the broker was down). */
  crashes = 0;
  restartDelayMs = 1500;

  /** @param ports one free loopback port per slot, for the worker's /readyz */
  constructor(
    private readonly root: URL,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly ports: readonly number[],
  ) {
    this.#slots = Array.from({ length: ports.length }, () => undefined);
  }

  /** The slots whose worker answers /readyz (models loaded, consumer running). */
  async readySlots(): Promise<number[]> {
    const answers = await Promise.all(
      this.ports.map((port, slot) =>
        this.#alive(slot)
          ? fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
              (r) => r.ok,
              () => false,
            )
          : false,
      ),
    );
    return answers.flatMap((ok, slot) => (ok ? [slot] : []));
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Starts the process of `slot` (when it has none running). */
  start(slot: number): void {
    if (this.#alive(slot)) return;
    const log = openSync(join(this.logDir, `worker-${slot}.log`), 'a');
    const child = spawn(process.execPath, ['bin/integrity-worker.js', 'run'], {
      cwd: fileURLToPath(this.root),
      env: { ...process.env, ...this.env, HTTP_PORT: String(this.ports[slot]) },
      stdio: ['ignore', log, log],
    });
    closeSync(log); // the child has its own copy
    this.#slots[slot] = child;
    this.#since[slot] = Date.now();
    this.starts++;
    child.once('exit', () => {
      if (this.#stopping.has(slot) || this.#slots[slot] !== child) return;
      if (!this.#killed.has(child)) this.crashes++;
      setTimeout(() => {
        if (!this.#stopping.has(slot) && this.#slots[slot] === child) this.start(slot);
      }, this.restartDelayMs);
    });
  }

  /** Of `slots`, the one whose process has run longest, if it has run at least `minMs`. */
  oldest(slots: readonly number[], minMs: number): number | undefined {
    let best: number | undefined;
    for (const slot of slots) {
      const since = this.#since[slot];
      if (!this.#alive(slot) || since === undefined || Date.now() - since < minMs) continue;
      if (best === undefined || since < this.#since[best]!) best = slot;
    }
    return best;
  }

  startAll(): void {
    for (let slot = 0; slot < this.#slots.length; slot++) this.start(slot);
  }

  /** SIGKILL: no graceful stop, no commit of what is in flight. */
  kill(slot: number): void {
    const child = this.#slots[slot];
    if (!child || !this.#alive(slot)) return;
    this.#killed.add(child);
    child.kill('SIGKILL');
    this.kills++;
  }

  /** Graceful stop of one worker (SIGTERM, SIGKILL after `deadlineMs`). */
  async stop(slot: number, deadlineMs = 40_000): Promise<void> {
    this.#stopping.add(slot);
    const child = this.#slots[slot];
    if (child && this.#alive(slot)) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      await exited;
      clearTimeout(timer);
    }
    this.#stopping.delete(slot);
    this.#slots[slot] = undefined;
  }

  async stopAll(deadlineMs = 40_000): Promise<void> {
    await Promise.all(this.#slots.map((_, slot) => this.stop(slot, deadlineMs)));
  }

  /** Kills every process still running (cleanup after a failed run). */
  killAll(): void {
    this.#slots.forEach((child, slot) => {
      this.#stopping.add(slot);
      if (child && this.#alive(slot)) child.kill('SIGKILL');
    });
  }

  #alive(slot: number): boolean {
    const child = this.#slots[slot];
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }
}
