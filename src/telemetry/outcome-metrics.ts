import type { WorkerMetrics } from './worker-metrics.js';

/** How a message ended, as far as metrics read it (the handler's outcome is one). */
export type MessageOutcome =
  | {
      kind: 'label';
      label: {
        decision: string;
        signals: readonly {
          signal: string;
          model: { name: string; version: string };
          decision: string;
          reasonCode: string | null;
          cached: boolean;
          scores: Readonly<Record<string, number>>;
        }[];
      };
    }
  | { kind: 'dead-letter'; code: string; stage: string };

/**
 * Turns message outcomes into metrics: labels, dead letters by code, decisions by signal, cache hits,
 * UNSCORED reasons and class-score histograms per model@version (the drift signal). End-to-end latency
 * is recorded when the label is published (`publish-metrics.ts`).
 */
export function observeOutcome(
  metrics: WorkerMetrics,
  /** Signals that never use the cache (derived ones): no cache lookup is counted for them. */
  uncached: ReadonlySet<string> = new Set(),
): (outcome: MessageOutcome) => void {
  return (outcome) => {
    metrics.messagesIn.add(1);
    if (outcome.kind === 'dead-letter') {
      metrics.deadLetters.add(1, { code: outcome.code, stage: outcome.stage });
      return;
    }
    const { label } = outcome;
    metrics.labelsOut.add(1);
    metrics.decisions.add(1, { signal: 'overall', decision: label.decision });
    for (const signal of label.signals) {
      const model = `${signal.model.name}@${signal.model.version}`;
      metrics.decisions.add(1, { signal: signal.signal, decision: signal.decision });
      if (signal.reasonCode) {
        metrics.unscored.add(1, { signal: signal.signal, reason: signal.reasonCode });
        continue;
      }
      if (!uncached.has(signal.signal))
        metrics.cacheLookups.add(1, { signal: signal.signal, result: signal.cached ? 'hit' : 'miss' });
      for (const [cls, score] of Object.entries(signal.scores))
        metrics.classScores.record(score, { model, class: cls });
    }
  };
}
