import type { StageObserver } from '../consume/retrying-stage-runner.js';
import { toIntegrityError } from '../errors.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Turns stage events into the stage-duration histogram, labelled by stage and outcome. */
export function observeStage(metrics: WorkerMetrics): StageObserver {
  return ({ stage, ms, error }) => {
    metrics.stageDuration.record(ms, {
      stage,
      outcome: error === undefined ? 'ok' : toIntegrityError(error).code,
    });
  };
}
