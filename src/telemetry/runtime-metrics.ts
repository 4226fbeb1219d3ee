import type { Meter, ObservableCallback } from '@opentelemetry/api';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Process gauges: event-loop delay (`nodejs.eventloop.delay.p50|p99|max`, seconds, as OpenTelemetry's
 * Node.js runtime conventions name them; measured between two collections, so each collection resets
 * the histogram) and memory (`iw.runtime.memory` by type: rss, heap_used, heap_total, external,
 * array_buffers, bytes). `stop()` disables the event-loop monitor and detaches the callbacks.
 */
export function observeRuntime(meter: Meter): { stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
  const p50 = meter.createObservableGauge('nodejs.eventloop.delay.p50', {
    description: 'Event-loop delay, median since the last collection.',
    unit: 's',
  });
  const p99 = meter.createObservableGauge('nodejs.eventloop.delay.p99', {
    description: 'Event-loop delay, 99th percentile since the last collection.',
    unit: 's',
  });
  const max = meter.createObservableGauge('nodejs.eventloop.delay.max', {
    description: 'Event-loop delay, maximum since the last collection.',
    unit: 's',
  });
  const memory = meter.createObservableGauge('iw.runtime.memory', {
    description: 'Process memory by type (process.memoryUsage()).',
    unit: 'By',
  });
  const observeDelay = () => {
    const values = [delay.percentile(50), delay.percentile(99), delay.max].map(seconds);
    delay.reset();
    return values;
  };
  // One batch callback, so the three delay gauges come from the same window before it is reset.
  const batch = (result: Parameters<Parameters<Meter['addBatchObservableCallback']>[0]>[0]) => {
    const [median, p, m] = observeDelay();
    result.observe(p50, median!);
    result.observe(p99, p!);
    result.observe(max, m!);
  };
  meter.addBatchObservableCallback(batch, [p50, p99, max]);
  const onMemory: ObservableCallback = (result) => {
    const usage = process.memoryUsage();
    result.observe(usage.rss, { type: 'rss' });
    result.observe(usage.heapUsed, { type: 'heap_used' });
    result.observe(usage.heapTotal, { type: 'heap_total' });
    result.observe(usage.external, { type: 'external' });
    result.observe(usage.arrayBuffers, { type: 'array_buffers' });
  };
  memory.addCallback(onMemory);
  return {
    stop: () => {
      meter.removeBatchObservableCallback(batch, [p50, p99, max]);
      memory.removeCallback(onMemory);
      delay.disable();
    },
  };
}
