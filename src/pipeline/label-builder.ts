import type { IntegrityLabel } from '../contracts/generated/integrity-label.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import type { SignalResult } from '../signals/signal.js';

/** Where the PinCreated record this label answers was first read (a rescan carries it along). */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string | number;
}

export interface LabelContext {
  readonly pinId: string;
  readonly eventId: string;
  readonly source: SourcePosition;
  readonly traceId: string | null;
  readonly workerVersion: string;
  readonly labeledAt: number;
  /** 0 for the first scan, n for the n-th rescan. @defaultValue 0 */
  readonly attempt?: number;
}

/** When a rescan may be scheduled, and for when: without `rescan`, no rescan is ever asked for. */
export interface LabelRescan {
  /** The not-before time of the next rescan, ms since the epoch. */
  readonly notBefore: number;
}

/**
 * Applies the policy to the signal results (by name, in their order) and shapes the IntegrityLabel.
 * With `rescan`, a transient failure gets the policy's `rescan` rule and the label says when the
 * rescan is due (`rescanNotBefore`, null when the policy asked for none).
 */
export function buildLabel(
  results: readonly SignalResult[],
  policy: PolicyEngine,
  context: LabelContext,
  rescan?: LabelRescan,
): IntegrityLabel {
  const decided = policy.decideSignals(results, { rescanAllowed: rescan !== undefined });
  const signals = results.map((result, i) => ({
    signal: result.signal,
    model: { name: result.model.name, version: result.model.version },
    scores: result.scores ? { ...result.scores } : {},
    decision: decided.signals[i]!.decision,
    reasonCode: result.reasonCode,
    policyVersion: decided.policyVersion,
    contentKey: result.contentKey,
    cached: result.cached,
    rule: decided.signals[i]!.rule,
    frameTimestampMs: result.reasonCode === null ? (result.frameTimestampMs ?? null) : null,
    nearDuplicate:
      result.scores && result.match
        ? {
            contentKey: result.match.contentKey,
            pinId: result.match.pinId,
            distance: result.match.distance,
            decision: result.match.decision,
            frameTimestampMs: result.match.frame?.timestampMs ?? null,
          }
        : null,
  }));
  return {
    pinId: context.pinId,
    sourceEventId: context.eventId,
    labeledAt: context.labeledAt,
    decision: decided.decision,
    signals,
    source: {
      topic: context.source.topic,
      partition: context.source.partition,
      offset: Number(context.source.offset),
    },
    traceId: context.traceId,
    workerVersion: context.workerVersion,
    attempt: context.attempt ?? 0,
    rescanNotBefore: decided.rescan && rescan ? rescan.notBefore : null,
  };
}
