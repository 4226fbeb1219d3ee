import {
  SpanStatusCode,
  context,
  isSpanContextValid,
  trace,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';

/** What a batch span is recorded from (the batcher's observation is one). */
export interface ObservedBatch {
  readonly model: string;
  readonly size: number;
  readonly queueWaitMs: readonly number[];
  readonly packMs: number;
  readonly computeMs: number;
  readonly contexts: readonly (SpanContext | undefined)[];
  readonly error?: { readonly code: string };
}

/** The span context active where a row is enqueued (the record's `infer` stage span), if any. */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * One span per inference batch, `infer <model@version>`: a root of its own (a batch serves many
 * traces), linked to the `infer` stage span of every record in it, covering packing and the session
 * call. Recorded after the fact from the batcher's observation; `endTime` is when it was observed.
 */
export function recordBatchSpan(
  tracer: Tracer,
  observation: ObservedBatch,
  endTime: number = Date.now(),
): void {
  const { model, size, queueWaitMs, packMs, computeMs } = observation;
  const links = observation.contexts
    .filter((c): c is SpanContext => c !== undefined)
    .map((spanContext) => ({ context: spanContext }));
  const span = tracer.startSpan(`infer ${model}`, {
    root: true,
    startTime: endTime - packMs - computeMs,
    links,
    attributes: {
      'iw.model': model,
      'iw.batch.size': size,
      'iw.batch.pack_ms': packMs,
      'iw.batch.compute_ms': computeMs,
      'iw.batch.queue_wait_ms.max': Math.max(0, ...queueWaitMs),
    },
  });
  if (observation.error) {
    span.setAttribute('iw.error.code', observation.error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: observation.error.code });
  }
  span.end(endTime);
}
