/**
 * A weighted semaphore for memory in flight (bytes of fetched bodies, pixels of decoded images):
 * work takes a {@link Lease} of some weight before it allocates, may grow it while data streams in,
 * and releases it when the memory is no longer needed.
 *
 * - Waiters are served in order (FIFO), growth before new leases: finishing started work frees
 *   memory soonest.
 * - A weight above the capacity is clamped to it: such work runs, alone, instead of never.
 * - Progress: the oldest live lease may always grow, even past the capacity. Without it, leases
 *   that all wait to grow would wait for each other forever; with it, the budget is exceeded by at
 *   most one lease's growth (the caller's per-item cap, e.g. FETCH_MAX_BYTES).
 * - A waiter whose `signal` aborts leaves the queue at once and rejects with the signal's reason.
 *
 * Why ours: async-mutex's Semaphore (0.5) has weights but no per-waiter abort (`cancel()` drops
 * every waiter) and no growth of a held lease, both needed by a fetch with a deadline.
 */
export interface Lease {
  /** Weight held now. */
  readonly weight: number;
  /** Adds `extra` to the lease, waiting for it (see the class doc). Rejects after `release`. */
  grow(extra: number, signal?: AbortSignal): Promise<void>;
  /** Returns the whole weight. Idempotent. */
  release(): void;
}

type Waiter = {
  weight: number;
  /** The lease a growth is for; none for a new lease. */
  owner?: LeaseImpl;
  grant: () => void;
  fail: (reason: unknown) => void;
};

export class WeightedBudget {
  #inUse = 0;
  readonly #growers: Waiter[] = [];
  readonly #newcomers: Waiter[] = [];
  /** Live leases in the order they were granted: the first is the oldest. */
  readonly #live = new Set<LeaseImpl>();

  constructor(readonly capacity: number) {
    if (!Number.isFinite(capacity) || capacity <= 0)
      throw new RangeError(`capacity must be > 0: ${capacity}`);
  }

  /** Weight held by all live leases (may exceed `capacity` by one lease's growth). */
  get inUse(): number {
    return this.#inUse;
  }

  /** Requests waiting (new leases and growths). */
  get waiting(): number {
    return this.#growers.length + this.#newcomers.length;
  }

  /** A new lease of `weight` (clamped to [0, capacity]); waits while the budget is short. */
  acquire(weight: number, signal?: AbortSignal): Promise<Lease> {
    const w = clamp(weight, this.capacity);
    return new Promise<Lease>((resolve, reject) => {
      const grant = (): void => {
        const lease = new LeaseImpl(this, w);
        this.#live.add(lease);
        resolve(lease);
      };
      this.#enqueue(this.#newcomers, w, grant, reject, signal);
    });
  }

  /** @internal used by leases */
  grow(lease: LeaseImpl, extra: number, signal?: AbortSignal): Promise<void> {
    const w = clamp(extra, this.capacity);
    if (this.#oldest() === lease) {
      // The oldest lease never waits (see the class doc).
      this.#inUse += w;
      lease.add(w);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) =>
      this.#enqueue(
        this.#growers,
        w,
        () => {
          lease.add(w);
          resolve();
        },
        reject,
        signal,
        lease,
      ),
    );
  }

  /** @internal used by leases */
  release(lease: LeaseImpl): void {
    if (!this.#live.delete(lease)) return;
    this.#inUse -= lease.weight;
    for (let i = this.#growers.length - 1; i >= 0; i--) {
      if (this.#growers[i]!.owner !== lease) continue;
      this.#growers.splice(i, 1)[0]!.fail(new Error('lease released while growing'));
    }
    this.#pump();
  }

  #enqueue(
    queue: Waiter[],
    weight: number,
    grant: () => void,
    reject: (reason: unknown) => void,
    signal?: AbortSignal,
    owner?: LeaseImpl,
  ): void {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      const i = queue.indexOf(waiter);
      if (i >= 0) queue.splice(i, 1);
      reject(signal!.reason);
      this.#pump();
    };
    const waiter: Waiter = {
      weight,
      ...(owner && { owner }),
      grant: () => {
        signal?.removeEventListener('abort', onAbort);
        grant();
      },
      fail: (reason) => {
        signal?.removeEventListener('abort', onAbort);
        reject(reason);
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    queue.push(waiter);
    this.#pump();
  }

  #oldest(): LeaseImpl | undefined {
    return this.#live.values().next().value;
  }

  #pump(): void {
    // A lease that became the oldest while its growth waited may now grow past the capacity.
    const oldest = this.#oldest();
    const i = this.#growers.findIndex((w) => w.owner === oldest);
    if (oldest && i >= 0) {
      const waiter = this.#growers.splice(i, 1)[0]!;
      this.#inUse += waiter.weight;
      waiter.grant();
    }
    for (const queue of [this.#growers, this.#newcomers]) {
      while (queue.length > 0 && this.#inUse + queue[0]!.weight <= this.capacity) {
        const waiter = queue.shift()!;
        this.#inUse += waiter.weight;
        waiter.grant();
      }
      // Growth waiting for room: newcomers must not take it first.
      if (queue.length > 0) return;
    }
  }
}

class LeaseImpl implements Lease {
  #weight: number;
  #released = false;

  constructor(
    private readonly budget: WeightedBudget,
    weight: number,
  ) {
    this.#weight = weight;
  }

  get weight(): number {
    return this.#weight;
  }

  add(extra: number): void {
    this.#weight += extra;
  }

  grow(extra: number, signal?: AbortSignal): Promise<void> {
    if (this.#released) return Promise.reject(new Error('lease already released'));
    return this.budget.grow(this, extra, signal);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.budget.release(this);
  }
}

function clamp(weight: number, capacity: number): number {
  return Math.min(capacity, Math.max(0, Number.isFinite(weight) ? weight : capacity));
}
