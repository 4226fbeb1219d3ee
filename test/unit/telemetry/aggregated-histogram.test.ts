import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { AggregatedHistograms } from '../../../src/telemetry/aggregated-histogram.js';

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A deterministic spread of values: on and between boundaries, above the last, zero, negative, NaN. */
function values(boundaries: readonly number[]): number[] {
  const out = [0, -1, Number.NaN, ...boundaries, ...boundaries.map((b) => b + 1e-9)];
  let x = 7;
  for (let i = 0; i < 500; i++) {
    x = (x * 48_271) % 2_147_483_647;
    out.push(((x / 2_147_483_647) * 1.3 * (boundaries.at(-1) ?? 1)) / (i % 7 === 0 ? 100 : 1));
  }
  return out;
}

/** The same values recorded through the SDK's histogram and ours, both collected by one reader. */
async function both(boundaries?: number[]) {
  const scope = { name: 'integrity-worker', version: '9.9.9' };
  const histograms = new AggregatedHistograms(scope);
  const reader = new TestReader({ metricProducers: [histograms] });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter(scope.name, scope.version);
  const options = { description: 'Time per thing.', unit: 'ms' };
  const sdk = meter.createHistogram(
    'sdk.duration',
    boundaries ? { ...options, advice: { explicitBucketBoundaries: boundaries } } : options,
  );
  const ours = histograms.create('ours.duration', boundaries ? { ...options, boundaries } : options);
  const recorded = values(
    boundaries ?? [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000],
  );
  recorded.forEach((value, i) => {
    const attributes = {
      stage: i % 3 === 0 ? 'fetch' : 'infer',
      outcome: i % 5 === 0 ? 'FETCH_TIMEOUT' : 'ok',
    };
    sdk.record(value, attributes);
    ours.of('stage', attributes.stage, 'outcome', attributes.outcome).record(value);
  });
  return (await reader.collect()).resourceMetrics;
}

describe('aggregated histogram', () => {
  it('collects the points the SDK histogram collects for the same values', async () => {
    for (const boundaries of [undefined, [0.01, 0.05, 0.1, 0.5, 0.9, 0.99]]) {
      const collected = await both(boundaries);
      const metrics = collected.scopeMetrics.flatMap((s) => s.metrics) as HistogramMetricData[];
      const byName = (name: string) => metrics.find((m) => m.descriptor.name === name)!;
      const view = (metric: HistogramMetricData) =>
        metric.dataPoints
          .map((p) => ({ attributes: p.attributes, value: p.value }))
          .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
      const sdk = byName('sdk.duration');
      const ours = byName('ours.duration');
      expect(ours.dataPoints).toHaveLength(4);
      expect(view(ours)).toEqual(view(sdk));
      expect({ ...ours.descriptor }).toMatchObject({
        description: sdk.descriptor.description,
        unit: sdk.descriptor.unit,
        valueType: sdk.descriptor.valueType,
      });
      expect(ours.aggregationTemporality).toBe(sdk.aggregationTemporality);
    }
  });

  it('reads the same in the Prometheus text, scope labels included', async () => {
    const text = new PrometheusSerializer('', false).serialize(await both());
    const lines = (prefix: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(prefix) || line.includes(` ${prefix}`))
        .map((line) => line.replace(prefix, 'x'))
        .sort();
    expect(lines('ours_duration').length).toBeGreaterThan(60);
    expect(lines('ours_duration')).toEqual(lines('sdk_duration'));
  });

  it('shows no series before its first value, and accumulates across collections', async () => {
    const histograms = new AggregatedHistograms({ name: 't' });
    const histogram = histograms.create('h', { description: 'h', boundaries: [1] });
    const series = histogram.of('a', 'x', 'b', 'y');
    expect((await histograms.collect()).resourceMetrics.scopeMetrics[0]!.metrics).toEqual([]);
    series.record(0.5);
    series.record(2);
    const first = (await histograms.collect()).resourceMetrics.scopeMetrics[0]!
      .metrics[0] as HistogramMetricData;
    series.record(1);
    expect(first.dataPoints[0]!.value).toEqual({
      buckets: { boundaries: [1], counts: [1, 1] },
      count: 2,
      sum: 2.5,
      min: 0.5,
      max: 2,
    });
    const second = (await histograms.collect()).resourceMetrics.scopeMetrics[0]!
      .metrics[0] as HistogramMetricData;
    expect(second.dataPoints[0]!.value.buckets.counts).toEqual([2, 1]);
    expect(histogram.of('a', 'x', 'b', 'y')).toBe(series);
    expect(() => histograms.create('h', { description: 'again' })).toThrow(/twice/);
  });
});
