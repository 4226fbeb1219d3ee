import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { InputMessage } from '../../../src/contracts/input-message.js';
import { IntegrityError } from '../../../src/errors.js';
import { recordBatchSpan } from '../../../src/telemetry/batch-spans.js';
import { KafkaMessageTracer } from '../../../src/consume/kafka-message-tracer.js';
import { otelSettings } from '../../../src/telemetry/otel-settings.js';
import { workerResource } from '../../../src/telemetry/resource.js';
import { stageSpans } from '../../../src/telemetry/stage-spans.js';
import { activeTraceId } from '../../../src/telemetry/trace-context.js';
import { createTracing, type Tracing } from '../../../src/telemetry/tracing.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
let tracing: Tracing | undefined;
afterEach(() => tracing?.shutdown());

function setup(env: NodeJS.ProcessEnv = {}) {
  const exporter = new InMemorySpanExporter();
  tracing = createTracing(otelSettings(env), workerResource('test', '0'), '0', [
    new SimpleSpanProcessor(exporter),
  ]);
  const tracer = new KafkaMessageTracer(tracing.tracer, { groupId: 'g', clientId: 'c' });
  return { exporter, tracer, stages: stageSpans(tracing.tracer) };
}

const input = (headers: Record<string, Buffer> = {}): InputMessage => ({
  topic: 'pins',
  partition: 2,
  offset: '41',
  key: Buffer.from('pin-1'),
  value: Buffer.from('x'),
  headers,
  timestamp: 0,
});
const output = { topic: 'labels', key: 'pin-1', value: Buffer.from('l'), headers: {} };

describe('KafkaMessageTracer', () => {
  it('runs the handler inside the CONSUMER span, stage spans become its children, outputs carry the PRODUCER span', async () => {
    const { exporter, tracer, stages } = setup();
    let seenTraceId: string | undefined;
    const traced = await tracer.process(
      input({ traceparent: Buffer.from(`00-${TRACE}-00f067aa0ba902b7-01`) }),
      async () => {
        const scope = stages('decode');
        await scope.run(async () => {
          seenTraceId = activeTraceId();
        });
        scope.end({ attempts: 1 });
        return [output];
      },
    );
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['decode']);
    traced.published();
    const [decode, send, consumer] = exporter.getFinishedSpans();
    expect(seenTraceId).toBe(TRACE);
    expect(consumer).toMatchObject({ name: 'process pins', kind: SpanKind.CONSUMER });
    expect(consumer!.attributes).toMatchObject({
      'messaging.destination.partition.id': '2',
      'messaging.kafka.offset': 41,
      'messaging.consumer.group.name': 'g',
      'messaging.client.id': 'c',
    });
    expect(decode!.parentSpanContext?.spanId).toBe(consumer!.spanContext().spanId);
    expect(decode!.attributes['iw.attempts']).toBe(1);
    expect(send).toMatchObject({ name: 'send labels', kind: SpanKind.PRODUCER });
    expect(send!.parentSpanContext?.spanId).toBe(consumer!.spanContext().spanId);
    expect(traced.outputs[0]!.headers.traceparent).toBe(`00-${TRACE}-${send!.spanContext().spanId}-01`);
    expect(output.headers).toEqual({});
  });

  it('closes the span with the error code when the handler throws, and the producer spans when publishing fails', async () => {
    const { exporter, tracer } = setup();
    const boom = new IntegrityError('IW_REGISTRY_UNREACHABLE', 'down');
    await expect(tracer.process(input(), () => Promise.reject(boom))).rejects.toBe(boom);
    const traced = await tracer.process(input(), async () => [output]);
    traced.published(new IntegrityError('IW_PUBLISH_FAILED', 'no ack'));
    const [failed, send, consumer] = exporter.getFinishedSpans();
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'IW_REGISTRY_UNREACHABLE' });
    expect(failed!.parentSpanContext).toBeUndefined();
    expect(send!.status.code).toBe(SpanStatusCode.ERROR);
    expect(consumer!.attributes['iw.error.code']).toBe('IW_PUBLISH_FAILED');
  });

  it('disabled: records nothing and passes the incoming traceparent on unchanged', async () => {
    const { exporter, tracer } = setup({ OTEL_SDK_DISABLED: 'true' });
    const parent = `00-${TRACE}-00f067aa0ba902b7-01`;
    const traced = await tracer.process(input({ traceparent: Buffer.from(parent) }), async () => [output]);
    traced.published();
    expect(traced.outputs[0]!.headers.traceparent).toBe(parent);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe('recordBatchSpan', () => {
  it('records a root span per batch, linked to the contexts it carried, timed back from its end', () => {
    const { exporter } = setup();
    const linked = { traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
    recordBatchSpan(
      tracing!.tracer,
      {
        model: 'm@1',
        size: 2,
        queueWaitMs: [3, 7],
        packMs: 10,
        computeMs: 30,
        contexts: [linked, undefined],
      },
      1_000_000,
    );
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('infer m@1');
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.links.map((l) => l.context)).toEqual([linked]);
    expect(span!.attributes).toMatchObject({ 'iw.batch.size': 2, 'iw.batch.queue_wait_ms.max': 7 });
    expect(span!.duration).toEqual([0, 40_000_000]);
  });
});
