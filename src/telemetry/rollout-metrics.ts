/**
 * Rollout metrics: shadow vs deciding signal (agreement and flips per decision pair, score deltas),
 * the time each role's signals take, shed shadow work. Structural types: telemetry imports no stage.
 */
import type { Meter } from '@opentelemetry/api';
import type { DriftMonitor } from './drift-monitor.js';
import { observeOutcome, type MessageOutcome } from './outcome-metrics.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface ShadowMetricsObserver {
  compared(c: {
    signal: string;
    primary: string;
    shadow: string;
    primaryDecision: string;
    shadowDecision: string;
    scoreDelta: Readonly<Record<string, number>>;
  }): void;
  ran(info: {
    signal: string;
    model: string;
    ms: number;
    reasonCode: string | null;
    scores: Readonly<Record<string, number>> | null;
  }): void;
  shed(info: { signals: readonly string[] }): void;
  failed(error: { code: string }): void;
}

export function observeShadow(metrics: WorkerMetrics, drift?: DriftMonitor): ShadowMetricsObserver {
  return {
    compared: (c) => {
      metrics.shadowComparisons.add(1, {
        signal: c.signal,
        primary: c.primary,
        shadow: c.shadow,
        primary_decision: c.primaryDecision,
        shadow_decision: c.shadowDecision,
        agree: String(c.primaryDecision === c.shadowDecision),
      });
      for (const [name, delta] of Object.entries(c.scoreDelta))
        metrics.shadowScoreDelta.record(delta, {
          signal: c.signal,
          pair: `${c.primary}->${c.shadow}`,
          class: name,
        });
    },
    ran: (info) => {
      metrics.signalSetDuration.of('role', 'shadow', 'models', info.model).record(info.ms);
      if (info.scores) drift?.observeScores(info.model, info.scores);
      if (info.reasonCode !== null)
        metrics.unscored.add(1, { signal: info.signal, reason: info.reasonCode, role: 'shadow' });
    },
    shed: ({ signals }) => {
      for (const signal of signals) metrics.shadowShed.add(1, { signal });
    },
    failed: (error) => metrics.shadowFailures.add(1, { code: error.code }),
  };
}

export function observeDeciding(
  metrics: WorkerMetrics,
): (info: { role: string; models: string; ms: number }) => void {
  return ({ role, models, ms }) => metrics.signalSetDuration.of('role', role, 'models', models).record(ms);
}

/** The outcome metrics, and every scored signal of a label fed to the drift monitor (scores of models only). */
export function observeOutcomeAndDrift(
  metrics: WorkerMetrics,
  drift: DriftMonitor,
  /** Derived signals: no cache lookup, no class-score histogram, no drift window (see outcome-metrics.ts). */
  derived: ReadonlySet<string> = new Set(),
): (outcome: MessageOutcome) => void {
  const base = observeOutcome(metrics, derived);
  return (outcome) => {
    base(outcome);
    if (outcome.kind !== 'label') return;
    for (const s of outcome.label.signals) {
      drift.observeSignal(s.signal, s.reasonCode);
      if (s.reasonCode === null && !derived.has(s.signal))
        drift.observeScores(`${s.model.name}@${s.model.version}`, s.scores);
    }
  };
}

/** `iw_drift_psi{model,class}` and `iw_unscored_rate{signal,reason}`, read at every scrape. */
export function observeDrift(meter: Meter, drift: DriftMonitor): void {
  meter
    .createObservableGauge('iw.drift.psi', {
      description:
        'Population stability index of live scores (sliding window) against the manifest reference, by model@version and class.',
    })
    .addCallback((result) => {
      for (const p of drift.psi(50)) result.observe(p.psi, { model: p.model, class: p.class });
    });
  meter
    .createObservableGauge('iw.unscored.rate', {
      description: 'Share of the last signal outcomes that were UNSCORED, by signal and reason.',
    })
    .addCallback((result) => {
      for (const r of drift.unscoredRates()) result.observe(r.rate, { signal: r.signal, reason: r.reason });
    });
}
