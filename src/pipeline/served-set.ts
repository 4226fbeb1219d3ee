/**
 * The served set: the signals (with their roles), the runner over them and the policies that decide a
 * pin (one per deciding set, each bound to the model versions it decides with). A pin acquires the current set when it starts and releases it when its label is built, so a
 * reload swaps the set atomically: pins in flight finish with the set they started with, and the old
 * set closes (its sessions end) only when the last of them released it.
 */
import type { ScoreReference } from '../infer/model-manifest.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import type { RolloutSignals } from '../signals/rollout-signals.js';
import type { SignalRunner } from '../signals/signal-runner.js';

export interface ServedSet {
  /** `<policy version>/<model ids>`: what the logs and the reload answer name. */
  readonly id: string;
  readonly runner: SignalRunner;
  readonly rollout: RolloutSignals;
  /** Decides the pins the primaries decide: its rules name the primary models. */
  readonly policy: PolicyEngine;
  /** Decides the pins in the canary slice: its rules name the canary models (and the other primaries). */
  readonly canaryPolicy: PolicyEngine;
  /** Decides the shadow labels: its rules name the shadow models. */
  readonly shadowPolicy: PolicyEngine;
  /** True while every model that decides pins (primaries, canaries) has a live session. */
  ready(): boolean;
  /** The repository models it serves, with the reference score distribution of their manifests. */
  readonly models: readonly { readonly id: string; readonly reference?: ScoreReference | undefined }[];
  /** Ends what only this set uses (its serving: batchers and sessions). */
  close(): Promise<void>;
}

export interface ServedSetLease {
  readonly set: ServedSet;
  release(): void;
}

export interface ServedSets {
  acquire(): ServedSetLease;
}

interface Entry {
  readonly set: ServedSet;
  users: number;
  retired: boolean;
  closed?: Promise<void>;
}

/** Holds the current set, hands out leases, swaps and retires sets. */
export class ServedSetHolder implements ServedSets {
  private current: Entry;
  private readonly retiring = new Set<Entry>();

  constructor(initial: ServedSet) {
    this.current = { set: initial, users: 0, retired: false };
  }

  get set(): ServedSet {
    return this.current.set;
  }

  acquire(): ServedSetLease {
    const entry = this.current;
    entry.users++;
    let released = false;
    return {
      set: entry.set,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.retired && entry.users === 0) void this.closeEntry(entry);
      },
    };
  }

  /** Makes `next` current; the previous set closes once its last lease is released. */
  swap(next: ServedSet): ServedSet {
    const previous = this.current;
    this.current = { set: next, users: 0, retired: false };
    previous.retired = true;
    this.retiring.add(previous);
    if (previous.users === 0) void this.closeEntry(previous);
    return previous.set;
  }

  /** Waits for retired sets to close, then closes the current one. */
  async close(): Promise<void> {
    await Promise.all([...this.retiring].map((e) => e.closed ?? this.closeEntry(e)));
    await this.closeEntry(this.current);
  }

  private closeEntry(entry: Entry): Promise<void> {
    entry.closed ??= entry.set.close().finally(() => this.retiring.delete(entry));
    return entry.closed;
  }
}

/** A set that never changes (tests, one-shot use): nothing to close. */
export function fixedServedSet(
  runner: SignalRunner,
  rollout: RolloutSignals,
  policy: PolicyEngine,
  policies: { canary?: PolicyEngine; shadow?: PolicyEngine } = {},
): ServedSets {
  return new ServedSetHolder({
    id: policy.version,
    runner,
    rollout,
    policy,
    canaryPolicy: policies.canary ?? policy,
    shadowPolicy: policies.shadow ?? policy,
    ready: () => true,
    models: [],
    close: async () => {},
  });
}
