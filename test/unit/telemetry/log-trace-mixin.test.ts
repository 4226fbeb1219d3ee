import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withoutQuery } from '../../../src/telemetry/logger.js';
import { otelSettings } from '../../../src/telemetry/otel-settings.js';
import { workerResource } from '../../../src/telemetry/resource.js';
import { createTracing } from '../../../src/telemetry/tracing.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('puts the active span ids on every line logged inside a span, across awaits, and none outside', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing(otelSettings({}), workerResource('test', '0'), '0', [
      new SimpleSpanProcessor(exporter),
    ]);
    const { lines, stream } = capture();
    const logger = createLogger('info', {}, stream);
    const span = tracing.tracer.startSpan('work');
    await context.with(trace.setSpan(context.active(), span), async () => {
      logger.info('before await');
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.warn({ pinId: 'p' }, 'after await');
    });
    span.end();
    logger.info('outside');
    await tracing.shutdown();

    const { traceId, spanId } = span.spanContext();
    expect(lines.slice(0, 2)).toEqual([
      expect.objectContaining({ msg: 'before await', trace_id: traceId, span_id: spanId, trace_flags: '01' }),
      expect.objectContaining({ msg: 'after await', trace_id: traceId, span_id: spanId, pinId: 'p' }),
    ]);
    expect(lines[2]).not.toHaveProperty('trace_id');
    expect(lines[2]).toMatchObject({ msg: 'outside', service: 'integrity-worker', level: 30 });
  });

  it('honours the level and strips query strings and fragments from a url field', () => {
    const { lines, stream } = capture();
    const logger = createLogger('warn', {}, stream);
    logger.info({ url: 'https://img.example.com/a.jpg?sig=secret' }, 'dropped');
    logger.warn({ url: 'https://img.example.com/a.jpg?sig=secret#frag' }, 'kept');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'kept', url: 'https://img.example.com/a.jpg' });
    expect(withoutQuery('https://h/p#x')).toBe('https://h/p');
    expect(withoutQuery(42)).toBe(42);
  });
});
