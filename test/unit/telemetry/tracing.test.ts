import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { otelSettings } from '../../../src/telemetry/otel-settings.js';
import { workerResource } from '../../../src/telemetry/resource.js';
import { createTracing } from '../../../src/telemetry/tracing.js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

describe('createTracing without any exporter', () => {
  it('records nothing but still gives spans ids that continue the parent trace', async () => {
    const tracing = createTracing(otelSettings({}), workerResource('test', '0'), '0');
    // The composition root opens no stage spans then (nothing would see them).
    expect(tracing.recording).toBe(false);
    const parent = trace.wrapSpanContext({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1 });
    const span = tracing.tracer.startSpan('child', {}, trace.setSpan(context.active(), parent));
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toBe('ab'.repeat(16));
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanContext().spanId).not.toBe('cd'.repeat(8));
    const root = tracing.tracer.startSpan('root');
    expect(trace.isSpanContextValid(root.spanContext())).toBe(true);
    span.end();
    root.end();
    await tracing.shutdown();
  });
});

describe('createTracing with a span processor', () => {
  it('says it records, and records', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing(otelSettings({}), workerResource('test', '0'), '0', [
      new SimpleSpanProcessor(exporter),
    ]);
    expect(tracing.recording).toBe(true);
    tracing.tracer.startSpan('decode').end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['decode']);
    await tracing.shutdown();
  });

  it('records nothing and says so when the SDK is disabled', async () => {
    const tracing = createTracing(
      otelSettings({ OTEL_SDK_DISABLED: 'true' }),
      workerResource('test', '0'),
      '0',
    );
    expect({ enabled: tracing.enabled, recording: tracing.recording }).toEqual({
      enabled: false,
      recording: false,
    });
    await tracing.shutdown();
  });
});
