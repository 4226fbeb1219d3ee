import type { IntegrityLabel } from '../contracts/generated/integrity-label.js';
import type { InputMessage } from '../consume/input-message.js';
import type { DecisionPolicy } from './decision-policy.js';
import type { SignalResult } from './signal-result.js';

export interface LabelContext {
  readonly pinId: string;
  readonly eventId: string;
  readonly source: InputMessage;
  readonly traceId: string | null;
  readonly workerVersion: string;
  readonly labeledAt: number;
}

/** Applies the policy to the signal results and shapes the IntegrityLabel record. */
export function buildLabel(
  results: readonly SignalResult[],
  policy: DecisionPolicy,
  context: LabelContext,
): IntegrityLabel {
  const signals = results.map((result) => ({
    signal: result.signal,
    model: { name: result.model.name, version: result.model.version },
    scores: result.scores ? { ...result.scores } : {},
    decision: result.scores ? policy.decide(result.signal, result.scores) : ('UNSCORED' as const),
    reasonCode: result.reasonCode,
    policyVersion: policy.version,
    contentKey: result.contentKey,
    cached: result.cached,
  }));
  return {
    pinId: context.pinId,
    sourceEventId: context.eventId,
    labeledAt: context.labeledAt,
    decision: policy.overall(signals.map((s) => s.decision)),
    signals,
    source: {
      topic: context.source.topic,
      partition: context.source.partition,
      offset: Number(context.source.offset),
    },
    traceId: context.traceId,
    workerVersion: context.workerVersion,
  };
}
