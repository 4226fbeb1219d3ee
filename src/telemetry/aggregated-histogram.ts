import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';

/** The SDK's default explicit bucket boundaries (`HistogramAggregation`), for histograms that name none. */
export const DEFAULT_BOUNDARIES: readonly number[] = [
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
];

/** One attribute set's cumulative explicit-bucket histogram: the SDK's accumulation, kept by us. */
export class HistogramSeries {
  private readonly counts: number[];
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
    readonly startTime: HrTime,
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  /** The SDK's `Histogram.record` and `HistogramAccumulation.record`: negative and NaN values are dropped. */
  record(value: number): void {
    if (!(value >= 0)) return;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    // the first boundary >= value (boundaries are inclusive upper bounds), as the SDK's binarySearchUB
    const boundaries = this.boundaries;
    let lo = 0;
    let hi = boundaries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (boundaries[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]! += 1;
  }

  /** The point as the SDK's cumulative reader would collect it, or none before the first value. */
  point(endTime: HrTime): HistogramMetricData['dataPoints'][number] | undefined {
    if (this.count === 0) return undefined;
    return {
      attributes: this.attributes,
      startTime: this.startTime,
      endTime,
      value: {
        buckets: { boundaries: [...this.boundaries], counts: [...this.counts] },
        count: this.count,
        sum: this.sum,
        min: this.min,
        max: this.max,
      },
    };
  }
}

export interface AggregatedHistogramOptions {
  description: string;
  unit?: string;
  boundaries?: readonly number[];
}

/**
 * A histogram whose callers hold the series of an attribute set and record into it directly. The
 * SDK's `Histogram.record` hashes its attribute object on every call (`JSON.stringify` of the sorted
 * entries): with the class-score and stage-duration histograms recorded ~15 times per pin, that was
 * ~3 % of a warm pin's main thread (BENCHMARKS.md, *Where a warm pin's time goes now*). Here a set is
 * looked up once, through nested maps of its values, and a record is a bucket search and four adds.
 * The readers get the same cumulative points through `AggregatedHistograms`, a `MetricProducer`.
 *
 * Attribute sets are kept for the life of the process, like the SDK's cumulative storage; their number
 * is the label cardinality (stages x outcomes, models x classes, roles x model sets).
 */
export class AggregatedHistogram {
  private readonly series = new Map<string, Map<string, HistogramSeries>>();
  private readonly boundaries: readonly number[];

  constructor(
    readonly name: string,
    readonly options: AggregatedHistogramOptions,
    private readonly now: () => HrTime,
  ) {
    this.boundaries = Object.freeze([...(options.boundaries ?? DEFAULT_BOUNDARIES)]);
  }

  /**
   * The series with attributes `{ [first]: firstValue, [second]: secondValue }`, made on first use.
   * Every series of a histogram has the same two attribute names.
   */
  of(first: string, firstValue: string, second: string, secondValue: string): HistogramSeries {
    let inner = this.series.get(firstValue);
    if (inner === undefined) this.series.set(firstValue, (inner = new Map()));
    let series = inner.get(secondValue);
    if (series === undefined) {
      const attributes = Object.freeze({ [first]: firstValue, [second]: secondValue });
      inner.set(secondValue, (series = new HistogramSeries(attributes, this.boundaries, this.now())));
    }
    return series;
  }

  collect(endTime: HrTime): HistogramMetricData {
    const dataPoints: HistogramMetricData['dataPoints'] = [];
    for (const inner of this.series.values())
      for (const series of inner.values()) {
        const point = series.point(endTime);
        if (point !== undefined) dataPoints.push(point);
      }
    return {
      descriptor: {
        name: this.name,
        description: this.options.description,
        unit: this.options.unit ?? '',
        valueType: ValueType.DOUBLE,
      },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  }
}

/**
 * The aggregated histograms of one instrumentation scope, handed to every metric reader as a
 * `MetricProducer` (`metricProducers` in the reader's options): the reader merges their points with
 * the SDK's own. Points are cumulative whatever temporality an exporter prefers.
 */
export class AggregatedHistograms implements MetricProducer {
  private readonly histograms: AggregatedHistogram[] = [];

  constructor(
    private readonly scope: { name: string; version?: string },
    private readonly now: () => HrTime = hrTime,
  ) {}

  create(name: string, options: AggregatedHistogramOptions): AggregatedHistogram {
    if (this.histograms.some((histogram) => histogram.name === name))
      throw new Error(`aggregated histogram ${name} created twice`);
    const histogram = new AggregatedHistogram(name, options, this.now);
    this.histograms.push(histogram);
    return histogram;
  }

  collect(): Promise<CollectionResult> {
    const endTime = this.now();
    const metrics = this.histograms
      .map((histogram) => histogram.collect(endTime))
      .filter((metric) => metric.dataPoints.length > 0);
    return Promise.resolve({
      // the reader keeps the SDK's resource: this one is never read
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: this.scope, metrics }] },
      errors: [],
    });
  }
}
