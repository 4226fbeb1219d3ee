import { toIntegrityError } from '../errors.js';
import type { WorkerMetrics } from './worker-metrics.js';

/**
 * Turns stage events into the stage-duration histogram, labelled by stage and outcome (`ok` or the
 * error code), and failed fetches into `iw.fetch.failures` by reason.
 */
export function observeStage(
  metrics: WorkerMetrics,
): (event: { stage: string; ms: number; error?: unknown }) => void {
  return ({ stage, ms, error }) => {
    const outcome = error === undefined ? 'ok' : toIntegrityError(error).code;
    metrics.stageDuration.of('stage', stage, 'outcome', outcome).record(ms);
    if (stage === 'fetch' && error !== undefined) metrics.fetchFailures.add(1, { reason: outcome });
  };
}
