/**
 * W3C trace context (`traceparent`, `tracestate`) in Kafka record headers: extracted from an input
 * record, injected into an output record. Header values are bytes; names are lower case.
 */
import {
  ROOT_CONTEXT,
  context as otelContext,
  isSpanContextValid,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

type InputHeaders = Readonly<Record<string, Buffer | undefined>>;
type OutputHeaders = Record<string, string | Buffer>;

// Stateless: one instance serves every worker in the process.
const propagator = new W3CTraceContextPropagator();

const getter: TextMapGetter<InputHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key]?.toString('latin1'),
};

const setter: TextMapSetter<OutputHeaders> = {
  set: (headers, key, value) => {
    headers[key] = value;
  },
};

/** The context of the record's producer (a remote parent), or `base` unchanged when there is none or it is malformed. */
export function extractTraceContext(headers: InputHeaders, base: Context = ROOT_CONTEXT): Context {
  return propagator.extract(base, headers, getter);
}

/** Writes the span of `context` into `headers` as `traceparent` (and `tracestate`); nothing when it has no valid span. */
export function injectTraceContext(context: Context, headers: OutputHeaders): void {
  delete headers.traceparent;
  delete headers.tracestate;
  propagator.inject(context, headers, setter);
}

/** The trace id of the span active here, if any (needs the context manager that tracing registers). */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpanContext(otelContext.active());
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
