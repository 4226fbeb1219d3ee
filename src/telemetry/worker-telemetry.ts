/**
 * Everything the worker reports through, built once by the composition root: the resource, the
 * tracer (see `tracing.ts`), the meter provider with its readers, the worker's instruments and the
 * runtime gauges. `close()` stops the gauges, then flushes and shuts down metrics and traces.
 */
import type { Meter, Tracer } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AggregatedHistograms } from './aggregated-histogram.js';
import { createMetricsProvider } from './metrics-provider.js';
import { otelSettings } from './otel-settings.js';
import { workerResource } from './resource.js';
import { observeRuntime } from './runtime-metrics.js';
import { createTracing } from './tracing.js';
import { WorkerMetrics } from './worker-metrics.js';

export interface WorkerTelemetry {
  readonly tracer: Tracer;
  readonly tracingEnabled: boolean;
  /** Spans are recorded (something exports them); see `Tracing.recording`. */
  readonly tracingRecorded: boolean;
  readonly metrics: WorkerMetrics;
  readonly meter: Meter;
  serveMetrics(request: IncomingMessage, response: ServerResponse): void;
  close(): Promise<void>;
}

export interface WorkerTelemetryOptions {
  serviceVersion: string;
  /** Where the `OTEL_*` variables are read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Added to the configured exporters (tests: an in-memory exporter). */
  spanProcessors?: readonly SpanProcessor[];
}

export function createWorkerTelemetry(options: WorkerTelemetryOptions): WorkerTelemetry {
  const settings = otelSettings(options.env);
  const resource = workerResource(settings.serviceName, options.serviceVersion);
  const tracing = createTracing(settings, resource, options.serviceVersion, options.spanProcessors);
  const scope = { name: 'integrity-worker', version: options.serviceVersion };
  const histograms = new AggregatedHistograms(scope);
  const { provider, serveMetrics } = createMetricsProvider(settings, resource, [histograms]);
  const meter = provider.getMeter(scope.name, scope.version);
  const runtime = observeRuntime(meter);
  return {
    tracer: tracing.tracer,
    tracingEnabled: tracing.enabled,
    tracingRecorded: tracing.recording,
    metrics: new WorkerMetrics(meter, histograms),
    meter,
    serveMetrics,
    close: async () => {
      runtime.stop();
      await Promise.allSettled([provider.shutdown(), tracing.shutdown()]);
    },
  };
}
