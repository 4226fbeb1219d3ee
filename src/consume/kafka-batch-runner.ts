import type { Batch, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { OutputMessage, OutputSink } from '../produce/output-message.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { InputMessage } from '../contracts/input-message.js';
import type { MessageHandler } from './message-handler.js';
import { UNTRACED, type MessageTracer } from './message-tracer.js';

export interface BatchRunnerOptions {
  /** Messages handled, published and committed together; smaller chunks commit more often. */
  chunkSize: number;
  /** How often to heartbeat while a chunk is being worked on, ms (kafkajs has no background heartbeat). */
  heartbeatIntervalMs: number;
  /**
   * A record not to handle before a time (ms since the epoch; null: now), e.g. a rescan. When the
   * next record of a partition is not due, the runner handles and commits the due ones before it,
   * pauses that partition alone until the record is due, and reads from there again on resume:
   * other partitions go on meanwhile.
   */
  notBefore?: (message: InputMessage) => number | null;
  /** The clock for `notBefore`. @defaultValue Date.now */
  now?: () => number;
}

/** What the runner reports; the composition root turns these into logs and metrics. */
export interface BatchRunnerObserver {
  /** After a chunk's outputs were acknowledged, before its offsets are committed. */
  published?(outputs: readonly OutputMessage[]): void;
  chunkDone?(info: { topic: string; partition: number; messages: number; outputs: number; ms: number }): void;
  stale?(info: { topic: string; partition: number; skipped: number }): void;
}

/**
 * Drives a kafkajs consumer with `eachBatch`, at least once: a chunk of a partition's batch is handled
 * (bounded by the shared limiter), every output is published with acks=all, and only then is the
 * chunk's last offset resolved and committed. A rebalance (`isStale`) or a stop (`isRunning`) ends the
 * batch at a chunk boundary without committing what it did not publish; a commit for a partition that
 * was revoked is refused by the broker (generation check) and the records are read again by the new
 * owner. A throw from the handler or the sink ends the batch uncommitted; kafkajs then restarts the
 * consumer from the last commit. Tracing wraps each record's handling and publishing (`tracer`);
 * handlers and stages never open spans of their own.
 */
export class KafkaBatchRunner {
  constructor(
    private readonly consumer: Consumer,
    private readonly handler: MessageHandler,
    private readonly sink: OutputSink,
    private readonly limiter: ConcurrencyLimiter,
    private readonly options: BatchRunnerOptions,
    private readonly observer: BatchRunnerObserver = {},
    private readonly tracer: MessageTracer = UNTRACED,
  ) {}

  private readonly resumeTimers = new Set<NodeJS.Timeout>();

  /**
   * How many of `messages` (from the start) are due; when not all are, pauses the partition until
   * the first one that is not due.
   */
  private dueCount(batch: Batch, messages: readonly KafkaMessage[], pause: () => () => void): number {
    const { notBefore } = this.options;
    if (!notBefore) return messages.length;
    const now = (this.options.now ?? Date.now)();
    const index = messages.findIndex((m) => (notBefore(toInput(batch, m)) ?? 0) > now);
    if (index < 0) return messages.length;
    if (index === 0) {
      const wait = notBefore(toInput(batch, messages[0]!))! - now;
      const resume = pause();
      const timer = setTimeout(() => {
        this.resumeTimers.delete(timer);
        resume();
      }, wait);
      this.resumeTimers.add(timer);
    }
    return index;
  }

  /** Subscribes and starts consuming; resolves once the consumer runs (not when it ends). */
  async start(topic: string | readonly string[], partitionsConsumedConcurrently: number): Promise<void> {
    await this.consumer.subscribe({
      topics: typeof topic === 'string' ? [topic] : [...topic],
      fromBeginning: true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stops fetching, lets the running chunks finish (published and committed), then disconnects. */
  async stop(): Promise<void> {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause } = payload;
    const { chunkSize } = this.options;
    for (let start = 0; start < batch.messages.length;) {
      if (!isRunning() || isStale()) {
        this.observer.stale?.({
          topic: batch.topic,
          partition: batch.partition,
          skipped: batch.messages.length - start,
        });
        return;
      }
      const began = performance.now();
      const due = this.dueCount(batch, batch.messages.slice(start, start + chunkSize), pause);
      // Not due: the partition is paused; what is left unresolved is fetched again on resume.
      if (due === 0) return;
      const chunk = batch.messages.slice(start, start + due);
      // allSettled: a throwing handler ends the chunk only once its siblings are done, so that no
      // work outlives the batch and every record's trace is closed.
      const settled = await this.whileHeartbeating(heartbeat, () =>
        Promise.allSettled(
          chunk.map((message) =>
            this.limiter.run(() => {
              const input = toInput(batch, message);
              return this.tracer.process(input, () => this.handler.handle(input));
            }),
          ),
        ),
      );
      const traced = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      const flat = traced.flatMap((t) => t.outputs);
      try {
        if (failure) throw failure.reason;
        await this.sink.send(flat);
      } catch (error) {
        for (const t of traced) t.published(error);
        throw error;
      }
      for (const t of traced) t.published();
      this.observer.published?.(flat);
      if (isStale()) {
        this.observer.stale?.({
          topic: batch.topic,
          partition: batch.partition,
          skipped: batch.messages.length - start,
        });
        return;
      }
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
          },
        ],
      });
      await heartbeat();
      this.observer.chunkDone?.({
        topic: batch.topic,
        partition: batch.partition,
        messages: chunk.length,
        outputs: flat.length,
        ms: performance.now() - began,
      });
      start += chunk.length;
    }
  }

  private async whileHeartbeating<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    // A failed heartbeat means a rebalance; the chunk finishes and isStale() decides about the commit.
    const timer = setInterval(
      () => void heartbeat().catch(() => undefined),
      this.options.heartbeatIntervalMs,
    );
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}

function toInput(batch: Batch, message: KafkaMessage): InputMessage {
  const headers: Record<string, Buffer | undefined> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    headers[name] = first === undefined ? undefined : Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
    timestamp: Number(message.timestamp),
  };
}
