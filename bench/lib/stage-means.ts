/**
 * Mean milliseconds per pipeline stage and per inference batch, and of the consume delay and the
 * end-to-end latency, from the worker's /metrics text. A stage the scenario must have run but that
 * has no observations is an error: a renamed stage (the old `preprocess-infer`) once turned into a
 * NaN that was silently dropped from every bench JSON.
 */
import type { StageName } from '../../src/stage-runner.js';
import { metricSum } from '../../test/support/prometheus-text.js';

/** Every stage the runner times, in pipeline order (typed: a name the pipeline lacks fails to compile). */
export const STAGES = [
  'decode',
  'validate',
  'cache-lookup',
  'fetch',
  'preprocess',
  'infer',
  'cache-write',
  'policy',
  'encode',
  'publish',
] as const satisfies readonly StageName[];

const MODELS = ['image-safety@1', 'text-spam@1', 'text-spam@2', 'text-spam@4'] as const;

export function stageMeans(text: string, expected: readonly StageName[]): Record<string, number> {
  const out: Record<string, number> = {};
  const mean = (metric: string, labels: Record<string, string>) =>
    metricSum(text, `${metric}_sum`, labels) / metricSum(text, `${metric}_count`, labels);
  const missing = expected.filter((stage) => !(metricSum(text, 'iw_stage_duration_count', { stage }) > 0));
  if (missing.length > 0)
    throw new Error(`the worker's metrics have no observations of stage(s) ${missing.join(', ')}`);
  for (const stage of STAGES) {
    const value = mean('iw_stage_duration', { stage });
    if (Number.isFinite(value)) out[`stage ${stage}`] = value;
  }
  // Of a pin's end-to-end latency (createdAt -> label acknowledged), the part before its handling
  // began: in the topic, in kafkajs's fetch cycle, behind the in-flight limit.
  for (const [key, metric] of [
    ['consume delay', 'iw_consume_delay'],
    ['end to end', 'iw_end_to_end_latency'],
  ] as const) {
    const value = mean(metric, {});
    if (Number.isFinite(value)) out[key] = value;
  }
  for (const model of MODELS) {
    // A model a scenario does not use (the image model in a text-only run) has no batches: no entry.
    for (const [key, metric] of [
      [`compute ${model}`, 'iw_inference_compute'],
      [`queue wait ${model}`, 'iw_inference_queue_wait'],
    ] as const) {
      const value = mean(metric, { model });
      if (Number.isFinite(value)) out[key] = value;
    }
  }
  return out;
}
