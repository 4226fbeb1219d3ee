import { describe, expect, it } from 'vitest';
import { stageMeans } from '../../../bench/lib/stage-means.js';

// The worker's /metrics text for a cold image run (the names the stage runner really uses).
const metrics = [
  'iw_stage_duration_sum{stage="decode"} 2',
  'iw_stage_duration_count{stage="decode"} 4',
  'iw_stage_duration_sum{stage="preprocess"} 40',
  'iw_stage_duration_count{stage="preprocess"} 4',
  'iw_stage_duration_sum{stage="infer"} 20',
  'iw_stage_duration_count{stage="infer"} 4',
  'iw_inference_compute_sum{model="image-safety@1"} 9',
  'iw_inference_compute_count{model="image-safety@1"} 3',
  'iw_consume_delay_sum{otel_scope_name="integrity-worker"} 300',
  'iw_consume_delay_count{otel_scope_name="integrity-worker"} 4',
  'iw_end_to_end_latency_sum{otel_scope_name="integrity-worker"} 400',
  'iw_end_to_end_latency_count{otel_scope_name="integrity-worker"} 4',
].join('\n');

describe('bench stage means', () => {
  it('reports the preprocess and infer stages the pipeline times', () => {
    const means = stageMeans(metrics, ['decode', 'preprocess', 'infer']);
    expect(means).toMatchObject({ 'stage decode': 0.5, 'stage preprocess': 10, 'stage infer': 5 });
    expect(means['compute image-safety@1']).toBe(3);
    expect(means).toMatchObject({ 'consume delay': 75, 'end to end': 100 });
    expect(Object.values(means).every(Number.isFinite)).toBe(true);
  });

  it('fails when a stage the scenario must run has no observations', () => {
    expect(() => stageMeans(metrics, ['decode', 'fetch'])).toThrow(/fetch/);
  });
});
