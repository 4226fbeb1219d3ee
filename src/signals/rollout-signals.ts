/**
 * The roles of the declared signals for one served set: which signals decide a pin (the primaries, or
 * for a stable slice of pins a signal's canary instead), and which only shadow them.
 */
import { createHash } from 'node:crypto';
import type { SignalRole } from '../scores.js';
import type { AnySignal as Signal } from './signal.js';

/**
 * Where a pin id falls in [0, 1): the first 32 bits of its sha256. The same pin id always lands in the
 * same place, so a pin sees the same model on a replay, a retry or another worker.
 */
export function canaryPosition(pinId: string): number {
  return createHash('sha256').update(pinId, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

export interface DecidingSet {
  /** The signals whose results decide the pin's label, in declaration order of the primaries. */
  readonly signals: readonly Signal[];
  /** `canary` when a canary replaced at least one primary for this pin. */
  readonly role: Extract<SignalRole, 'primary' | 'canary'>;
}

export class RolloutSignals {
  readonly primaries: readonly Signal[];
  readonly shadows: readonly Signal[];
  /** The primaries with each signal's canary in its place: what decides a pin in the canary slice. */
  readonly withCanaries: readonly Signal[];
  private readonly canaries: ReadonlyMap<string, Signal>;

  /** `canaryFraction` in [0, 1]: the share of pin ids whose label the canaries decide. */
  constructor(
    signals: readonly Signal[],
    readonly canaryFraction: number,
  ) {
    this.primaries = signals.filter((s) => s.role === 'primary');
    this.shadows = signals.filter((s) => s.role === 'shadow');
    this.canaries = new Map(signals.filter((s) => s.role === 'canary').map((s) => [s.name, s]));
    this.withCanaries = this.primaries.map((p) => this.canaries.get(p.name) ?? p);
  }

  /** Every signal, whatever its role (what serving must load). */
  get all(): readonly Signal[] {
    return [...this.primaries, ...this.canaries.values(), ...this.shadows];
  }

  get hasCanaries(): boolean {
    return this.canaries.size > 0;
  }

  inCanary(pinId: string): boolean {
    return this.canaries.size > 0 && canaryPosition(pinId) < this.canaryFraction;
  }

  deciding(pinId: string): DecidingSet {
    return this.inCanary(pinId)
      ? { signals: this.withCanaries, role: 'canary' }
      : { signals: this.primaries, role: 'primary' };
  }
}
