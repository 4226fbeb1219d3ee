import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { otelSettings } from '../../../src/telemetry/otel-settings.js';
import { workerResource } from '../../../src/telemetry/resource.js';
import { createTracing } from '../../../src/telemetry/tracing.js';

describe('createTracing without any exporter', () => {
  it('records nothing but still gives spans ids that continue the parent trace', async () => {
    const tracing = createTracing(otelSettings({}), workerResource('test', '0'), '0');
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
