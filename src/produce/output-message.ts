/** A record the worker publishes: a label or a dead letter, already encoded. */
export interface OutputMessage {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string | Buffer>>;
  /** For a label: its pin's createdAt (ms since the epoch), for the end-to-end latency metric. */
  readonly createdAt?: number;
}

/**
 * Where outputs go. `send` resolves only when every message is acknowledged by all in-sync replicas;
 * it throws IW_PUBLISH_FAILED (retriable) otherwise, and the caller must then not commit the inputs.
 */
export interface OutputSink {
  send(messages: readonly OutputMessage[]): Promise<void>;
  close(): Promise<void>;
}
