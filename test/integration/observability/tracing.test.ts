import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { PIN_CREATED } from '../../../src/contracts/subjects.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  childrenOf,
  parentId,
  parseTraceparent,
  spanId,
  traceIdOfSpan,
  waitForSpans,
} from '../../support/span-tree.js';
import {
  codec,
  createWorkerTopics,
  deadLetterCollector,
  labelCollector,
  producePins,
  startTestWorker,
  type RawRecord,
  type WorkerTopics,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const UPSTREAM_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const UPSTREAM_SPAN = '00f067aa0ba902b7';
const BAD_TRACE = '0af7651916cd43dd8448eb211c80319c';

const bed = useWorkerTestBed();
const { admin } = bed;

/** Pin A (image and text, produced with a traceparent), pin B (text only, none) and a broken record. */
async function produceStream(topics: WorkerTopics): Promise<void> {
  const pinA = minimalPinCreated({
    pinId: 'pin-a',
    title: 'Weeknight lentil soup',
    image: {
      url: bed.images.url('/images/photo-coffee.jpg'),
      signature: null,
      width: null,
      height: null,
      mime: null,
    },
  });
  const pinB = minimalPinCreated({ pinId: 'pin-b', title: 'Blue ceramic vase', description: 'Stoneware.' });
  const records: RawRecord[] = [
    {
      key: 'pin-a',
      value: await codec.encode(topics.pins, PIN_CREATED, pinA),
      headers: { traceparent: `00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-01` },
    },
    { key: 'pin-b', value: await codec.encode(topics.pins, PIN_CREATED, pinB) },
    {
      key: 'bad',
      value: Buffer.from('{"not":"avro"}'),
      headers: { traceparent: `00-${BAD_TRACE}-b7ad6b7169203331-01` },
    },
  ];
  await producePins(topics.pins, records);
}

const consumerSpanOf = (spans: ReadableSpan[], key: string) =>
  spans.find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.kafka.message.key'] === key);

describe('tracing: one pin followable from the upload service to the label consumer', () => {
  it('continues the traceparent, builds the span tree per record, links batches, injects the PRODUCER span into outputs', async () => {
    const topics = await createWorkerTopics(admin, 1);
    const exporter = new InMemorySpanExporter();
    // The span tree below is that of the two scoring signals (no embeddings topic output).
    const { worker } = await startTestWorker(
      topics,
      { SIGNALS: 'image.safety=image-safety@1,text.spam=text-spam@1' },
      { spanProcessors: [new SimpleSpanProcessor(exporter)] },
    );
    const labels = await labelCollector(topics.labels);
    const deadLetters = await deadLetterCollector(topics.deadLetters);
    try {
      await produceStream(topics);
      await labels.waitFor(2);
      await deadLetters.waitFor(1);
      const spans = await waitForSpans(
        exporter,
        (all) => all.filter((s) => s.kind === SpanKind.CONSUMER).length === 3,
      );

      // Pin A: the CONSUMER span continues the upstream trace.
      const consumerA = consumerSpanOf(spans, 'pin-a')!;
      expect(consumerA.name).toBe(`process ${topics.pins}`);
      expect(traceIdOfSpan(consumerA)).toBe(UPSTREAM_TRACE);
      expect(parentId(consumerA)).toBe(UPSTREAM_SPAN);
      expect(consumerA.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': topics.pins,
        'messaging.destination.partition.id': '0',
        'messaging.consumer.group.name': topics.groupId,
        'messaging.operation.type': 'process',
        'messaging.kafka.message.key': 'pin-a',
      });
      expect(typeof consumerA.attributes['messaging.kafka.offset']).toBe('number');
      const childrenA = childrenOf(spans, consumerA);
      expect(childrenA.map((s) => s.name)).toEqual([
        'cache-lookup', // the text key (the image has no signature)
        'cache-lookup', // the image bytes' key, after the fetch
        'cache-write',
        'decode',
        'encode',
        'fetch',
        'infer',
        'infer',
        'policy',
        'preprocess',
        'preprocess',
        `send ${topics.labels}`,
      ]);
      expect(childrenA.every((s) => childrenOf(spans, s).length === 0)).toBe(true);

      // The label carries the PRODUCER span's context and the trace id.
      const producerA = childrenA.find((s) => s.kind === SpanKind.PRODUCER)!;
      expect(producerA.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': topics.labels,
        'messaging.operation.type': 'send',
        'messaging.kafka.message.key': 'pin-a',
      });
      const labelA = labels.records.find((r) => r.key === 'pin-a')!;
      expect(parseTraceparent(labelA.headers.traceparent)).toEqual({
        traceId: UPSTREAM_TRACE,
        spanId: spanId(producerA),
      });
      expect(labelA.record.traceId).toBe(UPSTREAM_TRACE);

      // One span per inference batch, a root of its own, linked to the infer spans of its records.
      const inferA = childrenA.filter((s) => s.name === 'infer').map(spanId);
      const batches = spans.filter((s) => s.name.startsWith('infer ') && s.links.length > 0);
      for (const batch of batches) {
        expect(batch.parentSpanContext).toBeUndefined();
        expect(batch.links).toHaveLength(batch.attributes['iw.batch.size'] as number);
      }
      for (const [model, id] of [
        ['image-safety@1', 'image'],
        ['text-spam@1', 'text'],
      ] as const) {
        const linked = batches
          .filter((b) => b.name === `infer ${model}`)
          .flatMap((b) => b.links)
          .filter((l) => l.context.traceId === UPSTREAM_TRACE);
        expect(linked, id).toHaveLength(1);
        expect(inferA).toContain(linked[0]!.context.spanId);
      }

      // Pin B had no traceparent: a new root whose trace id its label carries.
      const consumerB = consumerSpanOf(spans, 'pin-b')!;
      expect(consumerB.parentSpanContext).toBeUndefined();
      const labelB = labels.records.find((r) => r.key === 'pin-b')!;
      expect(parseTraceparent(labelB.headers.traceparent)?.traceId).toBe(traceIdOfSpan(consumerB));
      expect(labelB.record.traceId).toBe(traceIdOfSpan(consumerB));
      expect(childrenOf(spans, consumerB).map((s) => s.name)).toEqual([
        'cache-lookup',
        'cache-write',
        'decode',
        'encode',
        'infer',
        'policy',
        'preprocess',
        `send ${topics.labels}`,
      ]);

      // The broken record: its trace goes on into the dead letter; the failed stage says why.
      const consumerBad = consumerSpanOf(spans, 'bad')!;
      expect(traceIdOfSpan(consumerBad)).toBe(BAD_TRACE);
      expect(consumerBad.status.code).toBe(SpanStatusCode.ERROR);
      expect(consumerBad.attributes['iw.error.code']).toBe('IW_WIRE_BAD_MAGIC');
      const childrenBad = childrenOf(spans, consumerBad);
      expect(childrenBad.map((s) => s.name)).toEqual(['decode', `send ${topics.deadLetters}`]);
      expect(childrenBad[0]!.attributes['iw.error.code']).toBe('IW_WIRE_BAD_MAGIC');
      const deadLetter = deadLetters.records[0]!;
      expect(parseTraceparent(deadLetter.headers.traceparent)).toEqual({
        traceId: BAD_TRACE,
        spanId: spanId(childrenBad[1]!),
      });
      expect(deadLetter.record.traceId).toBe(BAD_TRACE);
    } finally {
      await Promise.all([labels.stop(), deadLetters.stop()]);
      await worker.stop();
    }
  });

  it('with OTEL_SDK_DISABLED=true records no span and passes the trace context through unchanged', async () => {
    const topics = await createWorkerTopics(admin, 1);
    const exporter = new InMemorySpanExporter();
    const { worker } = await startTestWorker(
      topics,
      {},
      { spanProcessors: [new SimpleSpanProcessor(exporter)], otelEnv: { OTEL_SDK_DISABLED: 'true' } },
    );
    const labels = await labelCollector(topics.labels);
    try {
      await produceStream(topics);
      await labels.waitFor(2);
      const labelA = labels.records.find((r) => r.key === 'pin-a')!;
      expect(labelA.headers.traceparent).toBe(`00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-01`);
      expect(labelA.record.traceId).toBe(UPSTREAM_TRACE);
      const labelB = labels.records.find((r) => r.key === 'pin-b')!;
      expect(labelB.headers.traceparent).toBeUndefined();
      expect(labelB.record.traceId).toBeNull();
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await labels.stop();
      await worker.stop();
    }
  });
});
