import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * A pino mixin: every line logged while a span is active carries `trace_id`, `span_id` and
 * `trace_flags` (the field names of OpenTelemetry's log data model), so logs join traces.
 */
export function traceMixin(): Record<string, string> {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: spanContext.traceFlags.toString(16).padStart(2, '0'),
  };
}
