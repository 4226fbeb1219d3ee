/** Reading finished spans from an InMemorySpanExporter as trees, for tracing tests. */
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { sleep } from './worker-harness.js';

export const spanId = (span: ReadableSpan) => span.spanContext().spanId;
export const traceIdOfSpan = (span: ReadableSpan) => span.spanContext().traceId;
export const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The spans whose parent is `parent`, sorted by name. */
export function childrenOf(spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans
    .filter((s) => parentId(s) === spanId(parent) && traceIdOfSpan(s) === traceIdOfSpan(parent))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Waits until `predicate` holds for the finished spans (they end after their outputs are acknowledged). */
export async function waitForSpans(
  exporter: InMemorySpanExporter,
  predicate: (spans: ReadableSpan[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const spans = exporter.getFinishedSpans();
    if (predicate(spans)) return spans;
    await sleep(50);
  }
  return exporter.getFinishedSpans();
}

/** `00-<trace>-<span>-<flags>` -> its parts. */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(value ?? '');
  return match ? { traceId: match[1]!, spanId: match[2]! } : undefined;
}
