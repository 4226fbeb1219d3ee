import type { WorkerMetrics } from './worker-metrics.js';

/** Records end-to-end latency (pin createdAt -> label acknowledged) for the labels of a published chunk. */
export function observePublished(
  metrics: WorkerMetrics,
  now: () => number = Date.now,
): (outputs: readonly { readonly createdAt?: number }[]) => void {
  return (outputs) => {
    const at = now();
    for (const output of outputs)
      if (output.createdAt !== undefined) metrics.endToEndLatency.record(Math.max(0, at - output.createdAt));
  };
}
