import type { HistogramSeries } from './aggregated-histogram.js';
import { SummedCounters } from './summed-counter.js';
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
  /**
   * Derived signals (they never use the cache): no cache lookup is counted for them, and their scores
   * (a near-duplicate's similarity, BLOCK, REVIEW) are not a model's class probabilities, so they stay
   * out of `iw.class_score`, where they would show as classes of the model they derive from.
   */
  derived: ReadonlySet<string> = new Set(),
): (outcome: MessageOutcome) => void {
  // counters summed per microtask checkpoint (see summed-counter.ts); dead letters are rare: direct
  const counters = new SummedCounters();
  const messageIn = counters.plain(metrics.messagesIn);
  const labelOut = counters.plain(metrics.labelsOut);
  const decision = counters.pair(metrics.decisions, 'signal', 'decision');
  const unscored = counters.pair(metrics.unscored, 'signal', 'reason');
  const cacheLookup = counters.pair(metrics.cacheLookups, 'signal', 'result');
  // class-score series, one per model@version and class, found through name, version and class
  const scoreSets = new Map<string, Map<string, Map<string, HistogramSeries>>>();
  const scoreSeries = (name: string, version: string, cls: string): HistogramSeries => {
    let byVersion = scoreSets.get(name);
    if (byVersion === undefined) scoreSets.set(name, (byVersion = new Map()));
    let byClass = byVersion.get(version);
    if (byClass === undefined) byVersion.set(version, (byClass = new Map()));
    let series = byClass.get(cls);
    if (series === undefined)
      byClass.set(cls, (series = metrics.classScores.of('model', `${name}@${version}`, 'class', cls)));
    return series;
  };
  return (outcome) => {
    messageIn();
    if (outcome.kind === 'dead-letter') {
      metrics.deadLetters.add(1, { code: outcome.code, stage: outcome.stage });
      return;
    }
    const { label } = outcome;
    labelOut();
    decision('overall', label.decision);
    for (const signal of label.signals) {
      decision(signal.signal, signal.decision);
      if (signal.reasonCode) {
        unscored(signal.signal, signal.reasonCode);
        continue;
      }
      if (derived.has(signal.signal)) continue;
      cacheLookup(signal.signal, signal.cached ? 'hit' : 'miss');
      const { name, version } = signal.model;
      for (const cls in signal.scores) scoreSeries(name, version, cls).record(signal.scores[cls]!);
    }
  };
}
