import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { MESSAGING } from '../../../src/telemetry/messaging-attributes.js';
import { otelSettings } from '../../../src/telemetry/otel-settings.js';

describe('otelSettings', () => {
  it('exports nothing over OTLP unless an endpoint or exporter variable asks for it', () => {
    expect(otelSettings({})).toEqual({
      disabled: false,
      traceExporters: [],
      metricsOtlp: false,
      metricExportIntervalMs: 60_000,
      serviceName: 'integrity-worker',
    });
  });

  it('exports traces and metrics over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
    const s = otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' });
    expect(s.traceExporters).toEqual(['otlp']);
    expect(s.metricsOtlp).toBe(true);
  });

  it('takes the signal-specific endpoints and exporter lists', () => {
    expect(otelSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toMatchObject({
      traceExporters: ['otlp'],
      metricsOtlp: false,
    });
    expect(otelSettings({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/v1/metrics' })).toMatchObject({
      traceExporters: [],
      metricsOtlp: true,
    });
    expect(
      otelSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_METRICS_EXPORTER: 'none',
      }),
    ).toMatchObject({ traceExporters: ['console'], metricsOtlp: false });
    expect(otelSettings({ OTEL_TRACES_EXPORTER: 'otlp, console' }).traceExporters).toEqual([
      'otlp',
      'console',
    ]);
  });

  it('OTEL_SDK_DISABLED=true turns tracing and OTLP metrics off whatever else is set', () => {
    expect(
      otelSettings({
        OTEL_SDK_DISABLED: 'TRUE',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_TRACES_EXPORTER: 'otlp',
      }),
    ).toMatchObject({ disabled: true, traceExporters: [], metricsOtlp: false });
    expect(otelSettings({ OTEL_SDK_DISABLED: 'false' }).disabled).toBe(false);
  });

  it('reads the service name and the metric export interval', () => {
    expect(otelSettings({ OTEL_SERVICE_NAME: 'iw-eu', OTEL_METRIC_EXPORT_INTERVAL: '5000' })).toMatchObject({
      serviceName: 'iw-eu',
      metricExportIntervalMs: 5000,
    });
    expect(otelSettings({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' }).metricExportIntervalMs).toBe(60_000);
  });
});

describe('messaging attribute names', () => {
  it('equal the semantic-conventions package', () => {
    expect(MESSAGING).toEqual({
      system: semconv.ATTR_MESSAGING_SYSTEM,
      destination: semconv.ATTR_MESSAGING_DESTINATION_NAME,
      partition: semconv.ATTR_MESSAGING_DESTINATION_PARTITION_ID,
      offset: semconv.ATTR_MESSAGING_KAFKA_OFFSET,
      key: semconv.ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
      tombstone: semconv.ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE,
      consumerGroup: semconv.ATTR_MESSAGING_CONSUMER_GROUP_NAME,
      clientId: semconv.ATTR_MESSAGING_CLIENT_ID,
      operationType: semconv.ATTR_MESSAGING_OPERATION_TYPE,
      operationName: semconv.ATTR_MESSAGING_OPERATION_NAME,
    });
    expect(semconv.MESSAGING_SYSTEM_VALUE_KAFKA).toBe('kafka');
  });
});
