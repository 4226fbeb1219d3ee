import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it, vi } from 'vitest';
import { AggregatedHistograms } from '../../../src/telemetry/aggregated-histogram.js';
import { observeOutcome, type MessageOutcome } from '../../../src/telemetry/outcome-metrics.js';
import { SummedCounters } from '../../../src/telemetry/summed-counter.js';
import { WorkerMetrics } from '../../../src/telemetry/worker-metrics.js';

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function setUp() {
  const histograms = new AggregatedHistograms({ name: 'test' });
  const reader = new TestReader({ metricProducers: [histograms] });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new WorkerMetrics(provider.getMeter('test'), histograms);
  return { reader, metrics };
}

/** `name`'s points as "attr=value,... -> value" (sums) or "-> count" (histograms), sorted. */
function points(collected: ResourceMetrics, name: string): string[] {
  const metric = collected.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  if (!metric) return [];
  return metric.dataPoints
    .map((p) => {
      const attributes = Object.entries(p.attributes)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',');
      const value = typeof p.value === 'number' ? p.value : (p.value as { count: number }).count;
      return `${attributes} -> ${value}`;
    })
    .sort();
}

function label(i: number): MessageOutcome {
  return {
    kind: 'label',
    label: {
      decision: i % 3 === 0 ? 'BLOCK' : 'ALLOW',
      signals: [
        {
          signal: 'image.safety',
          model: { name: 'image-safety', version: '1' },
          decision: i % 3 === 0 ? 'BLOCK' : 'ALLOW',
          reasonCode: null,
          cached: i % 2 === 0,
          scores: { Neutral: 0.5, Porn: 0.25, Sexy: 0.25 },
        },
        {
          signal: 'text.spam',
          model: { name: 'text-spam', version: '1' },
          decision: i % 5 === 0 ? 'UNSCORED' : 'ALLOW',
          reasonCode: i % 5 === 0 ? 'TEXT_EMPTY' : null,
          cached: false,
          scores: i % 5 === 0 ? {} : { spam: 0.1, ham: 0.9 },
        },
        {
          signal: 'image.near_duplicate',
          model: { name: 'near-duplicate', version: '1' },
          decision: 'ALLOW',
          reasonCode: null,
          cached: false,
          scores: { duplicate: 0 },
        },
      ],
    },
  };
}

describe('outcome metrics', () => {
  it('counts every outcome exactly, per attribute set, by the next collection', async () => {
    const { reader, metrics } = setUp();
    const observe = observeOutcome(metrics, new Set(['image.near_duplicate']));
    for (let i = 0; i < 30; i++) observe(label(i));
    observe({ kind: 'dead-letter', code: 'DECODE_FAILED', stage: 'decode' });
    const first = (await reader.collect()).resourceMetrics;
    expect(points(first, 'iw.messages')).toEqual([' -> 31']);
    expect(points(first, 'iw.labels')).toEqual([' -> 30']);
    expect(points(first, 'iw.dead_letters')).toEqual(['code=DECODE_FAILED,stage=decode -> 1']);
    expect(points(first, 'iw.decisions')).toEqual([
      'decision=ALLOW,signal=image.near_duplicate -> 30',
      'decision=ALLOW,signal=image.safety -> 20',
      'decision=ALLOW,signal=overall -> 20',
      'decision=ALLOW,signal=text.spam -> 24',
      'decision=BLOCK,signal=image.safety -> 10',
      'decision=BLOCK,signal=overall -> 10',
      'decision=UNSCORED,signal=text.spam -> 6',
    ]);
    expect(points(first, 'iw.unscored')).toEqual(['reason=TEXT_EMPTY,signal=text.spam -> 6']);
    expect(points(first, 'iw.cache.lookups')).toEqual([
      'result=hit,signal=image.safety -> 15',
      'result=miss,signal=image.safety -> 15',
      'result=miss,signal=text.spam -> 24',
    ]);
    expect(points(first, 'iw.class_score')).toContain('class=Porn,model=image-safety@1 -> 30');
    expect(points(first, 'iw.class_score')).toContain('class=spam,model=text-spam@1 -> 24');
    // a derived signal's scores are not classes of a model
    expect(points(first, 'iw.class_score').filter((p) => p.includes('near-duplicate'))).toEqual([]);

    // later outcomes add to the same series (cumulative), nothing counted twice
    for (let i = 0; i < 3; i++) observe(label(1));
    const second = (await reader.collect()).resourceMetrics;
    expect(points(second, 'iw.messages')).toEqual([' -> 34']);
    expect(points(second, 'iw.decisions')).toContain('decision=ALLOW,signal=overall -> 23');
  });

  it('hands the SDK one add per attribute set and checkpoint, with the sum', async () => {
    const { metrics } = setUp();
    const add = vi.spyOn(metrics.decisions, 'add');
    const observe = observeOutcome(metrics);
    for (let i = 0; i < 100; i++) observe(label(i));
    expect(add).not.toHaveBeenCalled();
    await Promise.resolve();
    const calls = add.mock.calls
      .map(([value, attributes]) => `${JSON.stringify(attributes)} ${value}`)
      .sort();
    expect(calls).toEqual([
      '{"signal":"image.near_duplicate","decision":"ALLOW"} 100',
      '{"signal":"image.safety","decision":"ALLOW"} 66',
      '{"signal":"image.safety","decision":"BLOCK"} 34',
      '{"signal":"overall","decision":"ALLOW"} 66',
      '{"signal":"overall","decision":"BLOCK"} 34',
      '{"signal":"text.spam","decision":"ALLOW"} 80',
      '{"signal":"text.spam","decision":"UNSCORED"} 20',
    ]);
  });

  it('schedules one flush until it has run, and flushes on demand', () => {
    const scheduled: (() => void)[] = [];
    const counters = new SummedCounters((flush) => scheduled.push(flush));
    const add = vi.fn();
    const bump = counters.pair({ add } as never, 'a', 'b');
    bump('x', 'y');
    bump('x', 'y');
    bump('x', 'z');
    expect(scheduled).toHaveLength(1);
    scheduled[0]!();
    expect(add.mock.calls).toEqual([
      [2, { a: 'x', b: 'y' }],
      [1, { a: 'x', b: 'z' }],
    ]);
    bump('x', 'y');
    expect(scheduled).toHaveLength(2);
    counters.flush();
    expect(add.mock.calls[2]).toEqual([1, { a: 'x', b: 'y' }]);
  });
});
