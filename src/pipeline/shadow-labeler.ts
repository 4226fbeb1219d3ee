/**
 * Shadow scoring, off the primary path: after a pin's label is built, its contents are offered here;
 * the shadow signals score them on their own batchers, and a label of the shadow's view goes to the
 * shadow label topic (the same IntegrityLabel contract, header `iw-rollout-role: shadow`). Nothing
 * here is awaited by the primary path: a failing, slow or crashed shadow model can neither delay, fail
 * nor change a primary label. The queue is bounded: past `maxPending` offers are shed (counted).
 */
import type { Contents } from '../content/content.js';
import type { AvroCodec } from '../contracts/avro-codec.js';
import type { IntegrityLabel } from '../contracts/generated/integrity-label.js';
import { INTEGRITY_LABEL } from '../contracts/subjects.js';
import { RetryingStageRunner, type RetryPolicy } from '../consume/retrying-stage-runner.js';
import { toIntegrityError, type IntegrityError } from '../errors.js';
import type { OutputMessage } from '../produce/output-message.js';
import type { Decision } from '../policy/policy.js';
import { modelId } from '../scores.js';
import { isEmbeddingResult, type SignalResult } from '../signals/signal.js';
import { buildLabel, type SourcePosition } from './label-builder.js';
import type { ServedSetLease } from './served-set.js';

/** One shadow signal compared with the signal that decided the pin. */
export interface ShadowComparison {
  readonly signal: string;
  /** model@version of the deciding signal and of the shadow. */
  readonly primary: string;
  readonly shadow: string;
  readonly primaryDecision: Decision;
  readonly shadowDecision: Decision;
  /** shadow score - primary score, per class both have (empty when either is UNSCORED). */
  readonly scoreDelta: Readonly<Record<string, number>>;
}

export interface ShadowObserver {
  compared?(comparison: ShadowComparison): void;
  /** Time the shadow signals took for one pin (from the start of its shadow run). */
  ran?(info: {
    signal: string;
    model: string;
    ms: number;
    reasonCode: string | null;
    scores: Readonly<Record<string, number>> | null;
  }): void;
  shed?(info: { signals: readonly string[] }): void;
  failed?(error: IntegrityError): void;
}

export interface ShadowPublisher {
  publish(output: OutputMessage): Promise<void>;
}

export interface ShadowOffer {
  readonly lease: ServedSetLease;
  readonly pinId: string;
  readonly eventId: string;
  readonly createdAt: number;
  readonly contents: Contents;
  readonly primaryResults: readonly SignalResult[];
  readonly primaryLabel: IntegrityLabel;
  /** Where the pin's PinCreated was first read (a rescan's origin). */
  readonly source: SourcePosition;
  readonly traceId: string | null;
}

export interface ShadowLabelerOptions {
  topic: string;
  workerVersion: string;
  maxPending: number;
  retry: RetryPolicy;
  now?: () => number;
  observer?: ShadowObserver;
}

export class ShadowLabeler {
  private pending = 0;
  private readonly running = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(
    private readonly codec: AvroCodec,
    private readonly publisher: ShadowPublisher,
    private readonly options: ShadowLabelerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get inFlight(): number {
    return this.pending;
  }

  /**
   * Takes the offer (and its lease: the set stays open until the shadow run ends) or sheds it. Never
   * throws and never waits.
   */
  offer(offer: ShadowOffer): boolean {
    const shadows = offer.lease.set.rollout.shadows;
    if (shadows.length === 0) {
      offer.lease.release();
      return false;
    }
    if (this.pending >= this.options.maxPending) {
      offer.lease.release();
      this.options.observer?.shed?.({ signals: shadows.map((s) => s.name) });
      return false;
    }
    this.pending++;
    const run = this.run(offer)
      .catch((error: unknown) => this.options.observer?.failed?.(toIntegrityError(error)))
      .finally(() => {
        this.pending--;
        offer.lease.release();
        this.running.delete(run);
      });
    this.running.add(run);
    return true;
  }

  /** Waits for the shadow runs in flight (stop, tests). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(offer: ShadowOffer): Promise<void> {
    const { set } = offer.lease;
    const started = this.now();
    const stages = new RetryingStageRunner(this.options.retry);
    const all = await set.runner.run(offer.contents, stages, set.rollout.shadows);
    // A shadow embedding's vector decides nothing and is not published: the deciding set's is.
    const results = all.filter((r) => !isEmbeddingResult(r));
    const ms = this.now() - started;
    for (const r of all)
      this.options.observer?.ran?.({
        signal: r.signal,
        model: modelId(r.model),
        ms,
        reasonCode: r.reasonCode,
        scores: r.scores,
      });
    const label = buildLabel(results, set.shadowPolicy, {
      pinId: offer.pinId,
      eventId: offer.eventId,
      source: offer.source,
      traceId: offer.traceId,
      workerVersion: this.options.workerVersion,
      labeledAt: this.now(),
    });
    this.compare(offer, label, results);
    const value = await this.codec.encode(this.options.topic, INTEGRITY_LABEL, label);
    await this.publisher.publish({
      topic: this.options.topic,
      key: offer.pinId,
      value,
      headers: { 'iw-rollout-role': 'shadow' },
      createdAt: offer.createdAt,
    });
  }

  private compare(offer: ShadowOffer, label: IntegrityLabel, results: readonly SignalResult[]): void {
    const compared = this.options.observer?.compared;
    if (!compared) return;
    results.forEach((shadow, i) => {
      const j = offer.primaryResults.findIndex((p) => p.signal === shadow.signal);
      if (j < 0) return;
      const primary = offer.primaryResults[j]!;
      const scoreDelta: Record<string, number> = {};
      if (primary.scores && shadow.scores)
        for (const [name, score] of Object.entries(shadow.scores))
          if (primary.scores[name] !== undefined) scoreDelta[name] = score - primary.scores[name];
      compared({
        signal: shadow.signal,
        primary: modelId(primary.model),
        shadow: modelId(shadow.model),
        primaryDecision: offer.primaryLabel.signals[j]!.decision,
        shadowDecision: label.signals[i]!.decision,
        scoreDelta,
      });
    });
  }
}
