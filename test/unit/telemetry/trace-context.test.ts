import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceContext } from '../../../src/telemetry/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const header = (value: string) => ({ traceparent: Buffer.from(value) });

describe('trace context in Kafka headers', () => {
  it('extracts a valid traceparent as a remote parent', () => {
    const parent = trace.getSpanContext(extractTraceContext(header(`00-${TRACE}-${SPAN}-01`)));
    expect(parent).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
  });

  it.each([
    ['absent', {}],
    ['malformed', header('00-xyz-abc-01')],
    ['all-zero trace id', header(`00-${'0'.repeat(32)}-${SPAN}-01`)],
    ['all-zero span id', header(`00-${TRACE}-${'0'.repeat(16)}-01`)],
    ['unknown version ff', header(`ff-${TRACE}-${SPAN}-01`)],
  ])('extracts nothing when the header is %s (the consumer span becomes a root)', (_case, headers) => {
    expect(trace.getSpanContext(extractTraceContext(headers))).toBeUndefined();
  });

  it('keeps tracestate with the parent', () => {
    const ctx = extractTraceContext({
      traceparent: Buffer.from(`00-${TRACE}-${SPAN}-00`),
      tracestate: Buffer.from('vendor=abc'),
    });
    const parent = trace.getSpanContext(ctx)!;
    expect(parent.traceFlags).toBe(TraceFlags.NONE);
    expect(parent.traceState?.serialize()).toBe('vendor=abc');
  });

  it('injects a span context as traceparent, replacing what the headers had', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE,
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    const headers: Record<string, string | Buffer> = {
      traceparent: Buffer.from(`00-${'1'.repeat(32)}-${SPAN}-01`),
      'iw-error-code': 'IW_X',
    };
    injectTraceContext(ctx, headers);
    expect(headers).toEqual({ traceparent: `00-${TRACE}-b7ad6b7169203331-01`, 'iw-error-code': 'IW_X' });
  });

  it('injects nothing (and removes a stale traceparent) when there is no valid span', () => {
    const headers: Record<string, string | Buffer> = { traceparent: 'stale' };
    injectTraceContext(ROOT_CONTEXT, headers);
    expect(headers).toEqual({});
  });

  it('round-trips: what one worker injects the next one extracts', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: TraceFlags.SAMPLED,
    });
    const out: Record<string, string | Buffer> = {};
    injectTraceContext(ctx, out);
    const back = trace.getSpanContext(
      extractTraceContext({ traceparent: Buffer.from(String(out.traceparent)) }),
    );
    expect(back).toMatchObject({ traceId: TRACE, spanId: SPAN });
  });
});
