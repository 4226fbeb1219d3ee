import type { StageObserver } from '../consume/retrying-stage-runner.js';
import { toIntegrityError } from '../errors.js';
import type { WorkerMetrics } from './worker-metrics.js';

/**
 * Turns stage events into the stage-duration histogram, labelled by stage and outcome (`ok` or the
 * error code), and failed fetches into `iw.fetch.failures` by reason.
 */
export function observeStage(metrics: WorkerMetrics): StageObserver {
  return ({ stage, ms, error }) => {
    const outcome = error === undefined ? 'ok' : toIntegrityError(error).code;
    metrics.stageDuration.record(ms, { stage, outcome });
    if (stage === 'fetch' && error !== undefined) metrics.fetchFailures.add(1, { reason: outcome });
  };
}
