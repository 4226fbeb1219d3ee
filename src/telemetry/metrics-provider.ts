import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OtelSettings } from './otel-settings.js';

/**
 * An OpenTelemetry MeterProvider with two readers: a Prometheus exporter that does not open a port of
 * its own (the worker's HTTP server serves its text on `/metrics`), and, when the settings ask for
 * it, an OTLP exporter pushing every `OTEL_METRIC_EXPORT_INTERVAL` ms (endpoint and headers from the
 * standard `OTEL_EXPORTER_OTLP_*` variables). Both readers also collect `producers` (the worker's
 * aggregated histograms).
 */
export function createMetricsProvider(
  settings: Pick<OtelSettings, 'metricsOtlp' | 'metricExportIntervalMs'>,
  resource: Resource,
  producers: readonly MetricProducer[] = [],
): {
  provider: MeterProvider;
  serveMetrics: (request: IncomingMessage, response: ServerResponse) => void;
} {
  const metricProducers = [...producers];
  const exporter = new PrometheusExporter({ preventServerStart: true, prefix: '', metricProducers });
  const readers: IMetricReader[] = [exporter];
  if (settings.metricsOtlp) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: settings.metricExportIntervalMs,
        exportTimeoutMillis: Math.min(30_000, settings.metricExportIntervalMs),
        metricProducers,
      }),
    );
  }
  const provider = new MeterProvider({ resource, readers });
  return {
    provider,
    serveMetrics: (request, response) => exporter.getMetricsRequestHandler(request, response),
  };
}
