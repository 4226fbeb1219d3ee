/**
 * Reads a label topic (read_committed) and keeps, per pin, how many labels answer each scan attempt
 * and whether the latest one is final. The verifier is a fresh reader from the beginning after the
 * run; the live one tells the driver when every pin has its final label. A reader outlives broker
 * restarts: when kafkajs gives up on its consumer (a crash it does not restart itself), it starts a
 * new one in the same group.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { AvroCodec } from '../../src/contracts/avro-codec.js';
import type { IntegrityLabel } from '../../src/contracts/generated/integrity-label.js';
import { INTEGRITY_LABEL } from '../../src/contracts/subjects.js';

/** The labels of one pin: how many answer each attempt, and the latest attempt's rescan promise. */
export interface PinLabels {
  perAttempt: Map<number, number>;
  latestAttempt: number;
  /** False while the latest attempt's label says a rescan will supersede it. */
  final: boolean;
}

export class LabelReader {
  readonly pins = new Map<string, PinLabels>();
  labels = 0;
  restarts = 0;
  lastMessageAt = Date.now();
  #consumer: Consumer | undefined;
  #stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  async start(): Promise<this> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, readUncommitted: false });
    this.#consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.#stopped) return;
      this.restarts++;
      void consumer
        .disconnect()
        .catch(() => undefined)
        .then(() => new Promise((resolve) => setTimeout(resolve, 1000)))
        .then(() => (this.#stopped ? undefined : this.start()))
        .catch(() => undefined);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const label = (await this.codec.decodeAs(INTEGRITY_LABEL, message.value!)).record as IntegrityLabel;
        this.#count(label);
        this.labels++;
        this.lastMessageAt = Date.now();
      },
    });
    return this;
  }

  #count(label: IntegrityLabel): void {
    const pin = this.pins.get(label.pinId) ?? { perAttempt: new Map(), latestAttempt: -1, final: false };
    pin.perAttempt.set(label.attempt, (pin.perAttempt.get(label.attempt) ?? 0) + 1);
    if (label.attempt >= pin.latestAttempt) {
      pin.latestAttempt = label.attempt;
      pin.final = label.rescanNotBefore === null;
    }
    this.pins.set(label.pinId, pin);
  }

  /** Waits until `done()` holds or nothing arrived for `idleMs` after `minMs`, or `timeoutMs`. */
  async waitUntil(done: () => boolean, idleMs: number, timeoutMs: number): Promise<void> {
    const started = Date.now();
    while (!done() && Date.now() - started < timeoutMs) {
      if (Date.now() - this.lastMessageAt > idleMs && Date.now() - started > idleMs) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#consumer?.disconnect();
  }
}

export interface Verdict {
  produced: number;
  labeled: number;
  lost: number;
  /** Pins whose latest label promises a rescan that never came. */
  unfinished: number;
  /** Labels beyond the first for the same pin and attempt, summed over pins. */
  duplicateLabels: number;
  pinsWithDuplicates: number;
  /** Labels of rescans (attempt > 0): they supersede a pin's earlier label, they are not duplicates. */
  rescanLabels: number;
  labels: number;
}

export function verdict(produced: readonly string[], pins: ReadonlyMap<string, PinLabels>): Verdict {
  const v: Verdict = {
    produced: produced.length,
    labeled: 0,
    lost: 0,
    unfinished: 0,
    duplicateLabels: 0,
    pinsWithDuplicates: 0,
    rescanLabels: 0,
    labels: 0,
  };
  for (const pinId of produced) {
    const pin = pins.get(pinId);
    if (!pin) {
      v.lost++;
      continue;
    }
    v.labeled++;
    if (!pin.final) v.unfinished++;
    let duplicated = false;
    for (const [attempt, n] of pin.perAttempt) {
      v.labels += n;
      if (attempt > 0) v.rescanLabels += n;
      if (n > 1) {
        v.duplicateLabels += n - 1;
        duplicated = true;
      }
    }
    if (duplicated) v.pinsWithDuplicates++;
  }
  return v;
}
