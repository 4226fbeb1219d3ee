/**
 * The console's Prometheus metrics: live precision per model@version and decision from verdicts, the
 * missed-violation and false-negative estimates of the audit sample, verdict counts, open items and
 * shadow agreement. Observable gauges read the store when scraped, so the figures are never staler
 * than the store. OpenTelemetry's Prometheus exporter, as in the worker; served on the console's
 * `/metrics`.
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoreStats } from './store/store-stats.js';
import { buildOverview } from './stats/overview.js';

export function createConsoleMetrics(stats: StoreStats) {
  const exporter = new PrometheusExporter({ preventServerStart: true, prefix: '' });
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('integrity-console');
  const precision = meter.createObservableGauge('iw.review.precision', {
    description: 'Share of REVIEW/BLOCK decisions reviewers found violating (inverse-probability weighted)',
  });
  const missed = meter.createObservableGauge('iw.review.missed_violation_rate', {
    description: 'Share of audited ALLOW decisions reviewers found violating (inverse-probability weighted)',
  });
  const falseNegative = meter.createObservableGauge('iw.review.false_negative_rate', {
    description: 'Estimated share of violating content that was ALLOWed',
  });
  const verdicts = meter.createObservableGauge('iw.review.verdicts', {
    description: 'Verdicts behind each estimate',
  });
  const open = meter.createObservableGauge('iw.review.open_items', {
    description: 'Open review items per queue',
  });
  const agreement = meter.createObservableGauge('iw.review.shadow_agreement', {
    description: 'Share of pins where a non-primary label topic decided as the primary',
  });
  meter.addBatchObservableCallback(
    async (observer) => {
      const overview = await buildOverview(stats);
      for (const e of overview.estimates) {
        const attrs = { signal: e.signal, model: e.model, decision: e.decision };
        observer.observe(verdicts, e.n, attrs);
        if (e.decision === 'ALLOW')
          observer.observe(missed, e.violatingRate, { signal: e.signal, model: e.model });
        else observer.observe(precision, e.violatingRate, attrs);
      }
      for (const f of overview.falseNegativeRates)
        observer.observe(falseNegative, f.rate, { signal: f.signal, model: f.model });
      for (const o of overview.open) observer.observe(open, o.count, { queue: o.queue });
      for (const s of overview.shadow)
        if (s.agreement !== null) observer.observe(agreement, s.agreement, { role: s.role, topic: s.topic });
    },
    [precision, missed, falseNegative, verdicts, open, agreement],
  );

  /** The Prometheus text, rendered by the exporter's own request handler. */
  const metricsText = () =>
    new Promise<string>((resolve) => {
      const chunks: string[] = [];
      const response = {
        statusCode: 200,
        setHeader: () => undefined,
        end: (body?: string) => resolve(chunks.join('') + (body ?? '')),
        write: (chunk: string) => chunks.push(chunk),
      } as unknown as ServerResponse;
      exporter.getMetricsRequestHandler({} as IncomingMessage, response);
    });
  return { metricsText, close: () => provider.shutdown() };
}
