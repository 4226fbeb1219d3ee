/** One consumed record, as the pipeline sees it: bytes and position, nothing decoded yet. */
export interface InputMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string kafkajs gives. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
  /** Broker timestamp, ms since the epoch. */
  readonly timestamp: number;
}
