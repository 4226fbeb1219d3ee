/**
 * Reads a label topic (read_committed) and counts labels per pin id. The verifier is a fresh reader
 * from the beginning after the run; the live one tells the driver when every pin has a label.
 */
import type { Kafka } from 'kafkajs';
import type { AvroCodec } from '../../src/contracts/avro-codec.js';
import type { IntegrityLabel } from '../../src/contracts/generated/integrity-label.js';
import { INTEGRITY_LABEL } from '../../src/contracts/subjects.js';

export class LabelReader {
  readonly labelsPerPin = new Map<string, number>();
  labels = 0;
  lastMessageAt = Date.now();
  #stop: (() => Promise<void>) | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  async start(): Promise<this> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const label = (await this.codec.decodeAs(INTEGRITY_LABEL, message.value!)).record as IntegrityLabel;
        this.labelsPerPin.set(label.pinId, (this.labelsPerPin.get(label.pinId) ?? 0) + 1);
        this.labels++;
        this.lastMessageAt = Date.now();
      },
    });
    this.#stop = () => consumer.disconnect();
    return this;
  }

  /** Waits until `done()` holds or nothing arrived for `idleMs` after `minMs`, or `timeoutMs`. */
  async waitUntil(done: () => boolean, idleMs: number, timeoutMs: number): Promise<void> {
    const started = Date.now();
    while (!done() && Date.now() - started < timeoutMs) {
      if (Date.now() - this.lastMessageAt > idleMs && Date.now() - started > idleMs) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  stop(): Promise<void> {
    return this.#stop?.() ?? Promise.resolve();
  }
}

export interface Verdict {
  produced: number;
  labeled: number;
  lost: number;
  /** Labels beyond the first, summed over pins. */
  duplicateLabels: number;
  pinsWithDuplicates: number;
  labels: number;
}

export function verdict(produced: readonly string[], labelsPerPin: ReadonlyMap<string, number>): Verdict {
  let labeled = 0;
  let duplicateLabels = 0;
  let pinsWithDuplicates = 0;
  let labels = 0;
  for (const pinId of produced) {
    const n = labelsPerPin.get(pinId) ?? 0;
    if (n > 0) labeled++;
    if (n > 1) {
      duplicateLabels += n - 1;
      pinsWithDuplicates++;
    }
    labels += n;
  }
  return {
    produced: produced.length,
    labeled,
    lost: produced.length - labeled,
    duplicateLabels,
    pinsWithDuplicates,
    labels,
  };
}
