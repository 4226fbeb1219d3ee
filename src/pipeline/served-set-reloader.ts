/**
 * Reloads the served set without a restart: builds the next set beside the current one (models
 * loaded and warmed, policy read and checked), and only when all of it is ready swaps it in. A set
 * that fails to build is refused and the current one keeps serving; readiness is never touched. One
 * reload at a time: a reload asked for during another waits for it, then runs.
 */
import { toIntegrityError, type IntegrityError } from '../errors.js';
import type { ServedSet, ServedSetHolder } from './served-set.js';

export type ReloadResult =
  | { readonly applied: true; readonly from: string; readonly to: string }
  | { readonly applied: false; readonly current: string; readonly code: string; readonly message: string };

export interface ReloadObserver {
  applied?(info: { from: string; to: string; reason: string }): void;
  refused?(info: { current: string; reason: string; error: IntegrityError }): void;
}

export class ServedSetReloader {
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly holder: ServedSetHolder,
    private readonly load: () => Promise<ServedSet>,
    private readonly observer: ReloadObserver = {},
  ) {}

  /** `reason`: what asked (SIGHUP, admin endpoint): logged with the outcome. */
  reload(reason: string): Promise<ReloadResult> {
    const next = this.last.then(() => this.reloadNow(reason));
    this.last = next.catch(() => {});
    return next;
  }

  private async reloadNow(reason: string): Promise<ReloadResult> {
    const current = this.holder.set.id;
    let next: ServedSet;
    try {
      next = await this.load();
    } catch (error) {
      const cause = toIntegrityError(error);
      this.observer.refused?.({ current, reason, error: cause });
      return { applied: false, current, code: cause.code, message: cause.message };
    }
    this.holder.swap(next);
    this.observer.applied?.({ from: current, to: next.id, reason });
    return { applied: true, from: current, to: next.id };
  }
}
