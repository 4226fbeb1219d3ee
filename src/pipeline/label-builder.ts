import type { IntegrityLabel } from '../contracts/generated/integrity-label.js';
import type { InputMessage } from '../contracts/input-message.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import type { SignalResult } from '../signals/signal.js';

export interface LabelContext {
  readonly pinId: string;
  readonly eventId: string;
  readonly source: InputMessage;
  readonly traceId: string | null;
  readonly workerVersion: string;
  readonly labeledAt: number;
}

/** Applies the policy to the signal results (by name, in their order) and shapes the IntegrityLabel. */
export function buildLabel(
  results: readonly SignalResult[],
  policy: PolicyEngine,
  context: LabelContext,
): IntegrityLabel {
  const decided = policy.decideSignals(results);
  const signals = results.map((result, i) => ({
    signal: result.signal,
    model: { name: result.model.name, version: result.model.version },
    scores: result.scores ? { ...result.scores } : {},
    decision: decided.signals[i]!.decision,
    reasonCode: result.reasonCode,
    policyVersion: decided.policyVersion,
    contentKey: result.contentKey,
    cached: result.cached,
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
  };
}
