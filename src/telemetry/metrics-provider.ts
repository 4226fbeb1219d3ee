import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An OpenTelemetry MeterProvider whose Prometheus exporter does not open a port of its own: the
 * worker's HTTP server serves its text on `/metrics`.
 */
export function createMetricsProvider(serviceVersion: string): {
  provider: MeterProvider;
  serveMetrics: (request: IncomingMessage, response: ServerResponse) => void;
} {
  const exporter = new PrometheusExporter({ preventServerStart: true, prefix: '' });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'integrity-worker',
      'service.version': serviceVersion,
    }),
    readers: [exporter],
  });
  return {
    provider,
    serveMetrics: (request, response) => exporter.getMetricsRequestHandler(request, response),
  };
}
