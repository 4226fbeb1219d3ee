import type { Meter, ObservableCallback } from '@opentelemetry/api';
import type { Admin } from 'kafkajs';

export interface ConsumerLagOptions {
  topic: string;
  groupId: string;
  /** How often the offsets are read from Kafka, ms. */
  intervalMs: number;
  /** A failed refresh keeps the last values; told so that it can be logged. */
  onError?: (error: unknown) => void;
}

/**
 * `iw.consumer.lag` {topic, partition}: records not yet committed by the group, per partition this
 * worker is assigned (`assign`, from the consumer's group-join event): the partition's high
 * watermark minus the group's committed offset (its low watermark when nothing was committed yet).
 * kafkajs has no lag API, so an admin client reads both every `intervalMs`; the gauge reports the
 * latest reading. `stop()` ends the timer and disconnects the admin client.
 */
export class ConsumerLagGauge {
  private readonly lags = new Map<number, number>();
  private assigned: ReadonlySet<number> = new Set();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly callback: ObservableCallback;
  private readonly gauge;

  constructor(
    private readonly admin: Admin,
    meter: Meter,
    private readonly options: ConsumerLagOptions,
  ) {
    this.gauge = meter.createObservableGauge('iw.consumer.lag', {
      description: 'Records behind the high watermark, per assigned input partition.',
      unit: '{message}',
    });
    this.callback = (result) => {
      for (const [partition, lag] of this.lags)
        if (this.assigned.has(partition))
          result.observe(lag, { topic: this.options.topic, partition: String(partition) });
    };
    this.gauge.addCallback(this.callback);
  }

  /** The partitions of the input topic this worker owns now. */
  assign(partitions: readonly number[]): void {
    this.assigned = new Set(partitions);
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.gauge.removeCallback(this.callback);
    await this.refreshing;
    await this.admin.disconnect();
  }

  private refresh(): Promise<void> {
    // One reading at a time: a slow broker must not pile up admin requests.
    this.refreshing ??= this.read()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const { topic, groupId } = this.options;
    const [watermarks, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const done = new Map(
      (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
        p.partition,
        Number(p.offset),
      ]),
    );
    for (const { partition, high, low } of watermarks) {
      const offset = done.get(partition) ?? -1;
      this.lags.set(partition, Math.max(0, Number(high) - (offset >= 0 ? offset : Number(low))));
    }
  }
}
