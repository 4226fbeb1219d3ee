/**
 * Which OpenTelemetry exporters to build, from the standard `OTEL_*` variables. The SDK pieces read
 * the rest themselves (endpoints, headers, sampler, batch processor limits, resource attributes).
 *
 * Unlike the SDK's own default, nothing is exported over OTLP unless an OTLP endpoint variable (or
 * `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` = `otlp`) asks for it: without a collector an
 * exporter would only retry and log. `OTEL_SDK_DISABLED=true` turns tracing and OTLP metrics off;
 * Prometheus text on `/metrics` is always served.
 */
export interface OtelSettings {
  readonly disabled: boolean;
  readonly traceExporters: readonly ('otlp' | 'console')[];
  readonly metricsOtlp: boolean;
  /** `OTEL_METRIC_EXPORT_INTERVAL`, ms. */
  readonly metricExportIntervalMs: number;
  /** `OTEL_SERVICE_NAME`, else `integrity-worker`. */
  readonly serviceName: string;
}

export function otelSettings(env: NodeJS.ProcessEnv = process.env): OtelSettings {
  const value = (name: string) => env[name]?.trim() ?? '';
  const list = (name: string) =>
    value(name)
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
  const disabled = value('OTEL_SDK_DISABLED').toLowerCase() === 'true';
  const anyEndpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT') !== '';
  const chosen = (kind: 'TRACES' | 'METRICS') => {
    const names = list(`OTEL_${kind}_EXPORTER`);
    if (names.length === 0)
      return anyEndpoint || value(`OTEL_EXPORTER_OTLP_${kind}_ENDPOINT`) !== '' ? ['otlp'] : [];
    return names.includes('none') ? [] : names;
  };
  const interval = Number(value('OTEL_METRIC_EXPORT_INTERVAL'));
  return {
    disabled,
    traceExporters: disabled
      ? []
      : chosen('TRACES').filter((n): n is 'otlp' | 'console' => n === 'otlp' || n === 'console'),
    metricsOtlp: !disabled && chosen('METRICS').includes('otlp'),
    metricExportIntervalMs: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
    serviceName: value('OTEL_SERVICE_NAME') || 'integrity-worker',
  };
}
