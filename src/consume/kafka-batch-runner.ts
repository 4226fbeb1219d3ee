import type { Batch, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { toIntegrityError, type IntegrityError } from '../errors.js';
import type { OutputMessage } from '../produce/output-message.js';
import type { ChunkDelivery } from './chunk-delivery.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import { EarlyPublisher } from './early-publisher.js';
import type { InputMessage } from '../contracts/input-message.js';
import type { MessageHandler } from './message-handler.js';
import { UNTRACED, type MessageTracer } from './message-tracer.js';
import { PartitionBackoff, type BackoffOptions } from './partition-backoff.js';

export interface BatchRunnerOptions {
  /** Messages handled, published and committed together; smaller chunks commit more often. */
  chunkSize: number;
  /** How often to heartbeat while a chunk is being worked on, ms (kafkajs has no background heartbeat). */
  heartbeatIntervalMs: number;
  /** Where a group without committed offsets starts reading. */
  startPosition: 'earliest' | 'latest';
  /** Pause of a partition whose chunk failed (registry or Kafka down), doubling per failure. */
  backoff: BackoffOptions;
  /**
   * A record not to handle before a time (ms since the epoch; null: now), e.g. a rescan. When the
   * next record of a partition is not due, the runner handles and commits the due ones before it,
   * pauses that partition alone until the record is due, and reads from there again on resume:
   * other partitions go on meanwhile.
   */
  notBefore?: (message: InputMessage) => number | null;
  /** The clock for `notBefore` and the observer's `handling`. @defaultValue Date.now */
  now?: () => number;
}

/** What the runner reports; the composition root turns these into logs and metrics. */
export interface BatchRunnerObserver {
  /**
   * A record's handling starts (it holds an in-flight slot): `waitedMs` since its Kafka timestamp,
   * i.e. the time it spent in the topic, in kafkajs's fetch cycle and behind the in-flight limit.
   */
  handling?(info: { topic: string; partition: number; waitedMs: number }): void;
  /** After a chunk's outputs were acknowledged, before its offsets are committed. */
  published?(outputs: readonly OutputMessage[]): void;
  chunkDone?(info: { topic: string; partition: number; messages: number; outputs: number; ms: number }): void;
  stale?(info: { topic: string; partition: number; skipped: number }): void;
  /** A chunk failed for a reason outside its records: the partition pauses for `delayMs`. */
  paused?(info: {
    topic: string;
    partition: number;
    error: IntegrityError;
    delayMs: number;
    failures: number;
  }): void;
  resumed?(info: { topic: string; partition: number }): void;
  /** An output that can never be published (e.g. too large for its topic); its input is committed. */
  rejected?(info: { output: OutputMessage; error: IntegrityError }): void;
}

/** kafkajs errors that mean the group is rebalancing: kafkajs itself rejoins when they are thrown. */
const REBALANCING = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

/**
 * Drives a kafkajs consumer with `eachBatch`: a chunk of a partition's batch is handled (bounded by the
 * shared limiter), then delivered (outputs published and the chunk's offset committed, at least once
 * or in one transaction), while the member keeps heartbeating. A rebalance (`isStale`) or a stop
 * (`isRunning`) ends the batch at a chunk boundary without committing what it did not deliver.
 *
 * A chunk that fails for a reason outside its records (the handler throws, e.g. the registry is down;
 * Kafka does not acknowledge within the producer's bounded retries) pauses only its partition, ends the
 * batch uncommitted and resumes the partition after a backoff: kafkajs then fetches the chunk again
 * from the last resolved offset. The member stays in the group meanwhile (kafkajs heartbeats between
 * empty fetches), so other partitions and other members are not disturbed. Tracing wraps each
 * record's handling and publishing (`tracer`); handlers and stages never open spans of their own.
 */
export class KafkaBatchRunner {
  private readonly backoff: PartitionBackoff;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly consumer: Consumer,
    private readonly handler: MessageHandler,
    private readonly delivery: ChunkDelivery,
    private readonly limiter: ConcurrencyLimiter,
    private readonly options: BatchRunnerOptions,
    private readonly observer: BatchRunnerObserver = {},
    private readonly tracer: MessageTracer = UNTRACED,
  ) {
    this.backoff = new PartitionBackoff(options.backoff);
  }

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
      fromBeginning: this.options.startPosition === 'earliest',
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stops fetching, lets the running chunks finish (delivered), then disconnects (not the delivery). */
  async stop(): Promise<void> {
    this.backoff.clear();
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { chunkSize } = this.options;
    const key = `${batch.topic}|${batch.partition}`;
    let messages = batch.messages;
    try {
      const committed = await this.delivery.begin?.(batch.topic, batch.partition);
      if (committed !== undefined && BigInt(committed) > 0n) {
        const skipped = messages.filter((m) => BigInt(m.offset) < BigInt(committed));
        if (skipped.length > 0) resolveOffset(skipped[skipped.length - 1]!.offset);
        messages = messages.filter((m) => BigInt(m.offset) >= BigInt(committed));
      }
    } catch (error) {
      return this.pause(payload, key, error);
    }
    for (let start = 0; start < messages.length;) {
      if (!isRunning() || isStale()) {
        this.observer.stale?.({
          topic: batch.topic,
          partition: batch.partition,
          skipped: messages.length - start,
        });
        return;
      }
      const began = performance.now();
      const due = this.dueCount(batch, messages.slice(start, start + chunkSize), payload.pause);
      // Not due: the partition is paused; what is left unresolved is fetched again on resume.
      if (due === 0) return;
      const chunk = messages.slice(start, start + due);
      const last = chunk[chunk.length - 1]!.offset;
      try {
        const { outputs, rejected } = await this.whileHeartbeating(heartbeat, () =>
          this.handleAndDeliver(
            batch,
            chunk,
            nextOffset(batch, last, start + due === messages.length),
            payload,
          ),
        );
        for (const r of rejected) this.observer.rejected?.({ output: r.message, error: r.error });
        this.observer.published?.(outputs);
        this.observer.chunkDone?.({
          topic: batch.topic,
          partition: batch.partition,
          messages: chunk.length,
          outputs: outputs.length,
          ms: performance.now() - began,
        });
      } catch (error) {
        if (REBALANCING.has((error as { type?: string }).type ?? '')) throw error;
        if (isStale() || !isRunning()) {
          this.observer.stale?.({
            topic: batch.topic,
            partition: batch.partition,
            skipped: messages.length - start,
          });
          return;
        }
        return this.pause(payload, key, error);
      }
      this.backoff.succeeded(key);
      if (isStale()) {
        this.observer.stale?.({
          topic: batch.topic,
          partition: batch.partition,
          skipped: messages.length - start,
        });
        return;
      }
      resolveOffset(last);
      await heartbeat();
      start += chunk.length;
    }
  }

  private async handleAndDeliver(
    batch: Batch,
    chunk: KafkaMessage[],
    nextOffset: string,
    payload: EachBatchPayload,
  ): Promise<{ outputs: OutputMessage[]; rejected: { message: OutputMessage; error: IntegrityError }[] }> {
    // A revoked partition is not committed: its new owner reads the chunk again.
    const commit = async (topic: string, partition: number, offset: string) => {
      if (payload.isStale()) return;
      await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
    };
    const { handling } = this.observer;
    const now = this.options.now ?? Date.now;
    const handle = (message: KafkaMessage) =>
      this.limiter.run(() => {
        const input = toInput(batch, message);
        handling?.({
          topic: input.topic,
          partition: input.partition,
          waitedMs: Math.max(0, now() - input.timestamp),
        });
        return this.tracer.process(input, () => this.handler.handle(input));
      });
    const { delivery } = this;
    if (delivery.publishEarly) {
      // Each record's outputs go out when it is handled (a paced pin does not wait for the slowest
      // of its chunk); the offset is committed only after every one of them was acknowledged.
      const publisher = new EarlyPublisher((outputs) => delivery.publishEarly!(outputs));
      const settled = await Promise.allSettled(
        chunk.map((message) => {
          const handled = handle(message);
          const sent = publisher.publish(
            message.key === null ? null : message.key.toString('latin1'),
            handled.then((t) => t.outputs),
          );
          sent.catch(() => undefined); // observed below once the record is handled
          return handled.then((traced) =>
            sent.then(
              ({ rejected }) => (traced.published(), { outputs: traced.outputs, rejected }),
              (error: unknown) => {
                traced.published(error);
                throw error;
              },
            ),
          );
        }),
      );
      const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
      const done = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      await delivery.deliver(
        { topic: batch.topic, partition: batch.partition, nextOffset, outputs: [] },
        commit,
      );
      return { outputs: done.flatMap((d) => d.outputs), rejected: done.flatMap((d) => d.rejected) };
    }
    // allSettled: a throwing handler ends the chunk only once its siblings are done, so that no
    // work outlives the batch and every record's trace is closed.
    const settled = await Promise.allSettled(chunk.map(handle));
    const traced = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const outputs = traced.flatMap((t) => t.outputs);
    try {
      if (failure) throw failure.reason;
      const { rejected } = await delivery.deliver(
        { topic: batch.topic, partition: batch.partition, nextOffset, outputs },
        commit,
      );
      for (const t of traced) t.published();
      return { outputs, rejected: [...rejected] };
    } catch (error) {
      for (const t of traced) t.published(error);
      throw error;
    }
  }

  private pause(payload: EachBatchPayload, key: string, cause: unknown): void {
    const { topic, partition } = payload.batch;
    const resume = payload.pause();
    const error = toIntegrityError(cause);
    const { delayMs, failures } = this.backoff.schedule(key, () => {
      resume();
      this.observer.resumed?.({ topic, partition });
    });
    this.observer.paused?.({ topic, partition, error, delayMs, failures });
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

/**
 * The offset to commit after a chunk whose last record is `last`. After the batch's last chunk it is
 * past the batch's last offset, which counts the records kafkajs filters out before `eachBatch`: a
 * transaction's commit marker (control record) and aborted records. Committing only `last + 1` would
 * leave the group one offset short of the end of every partition a transactional producer writes (the
 * rescan topic in exactly-once mode, any transactional input), forever: lag never 0, and `replay`,
 * which waits for its group to commit the end of its range, would wait for good.
 */
export function nextOffset(batch: Pick<Batch, 'lastOffset'>, last: string, lastChunk: boolean): string {
  const afterLast = BigInt(last) + 1n;
  if (!lastChunk) return afterLast.toString();
  const afterBatch = BigInt(batch.lastOffset()) + 1n;
  return (afterBatch > afterLast ? afterBatch : afterLast).toString();
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
