import type { IntegrityError } from '../errors.js';

/** A record the worker publishes: a label or a dead letter, already encoded. */
export interface OutputMessage {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string | Buffer>>;
  /** For a label: its pin's createdAt (ms since the epoch), for the end-to-end latency metric. */
  readonly createdAt?: number;
}

/** Outputs that can never be published (e.g. larger than their topic allows), with the reason. */
export interface PublishResult {
  readonly rejected: readonly { readonly message: OutputMessage; readonly error: IntegrityError }[];
}

/**
 * Where outputs go. `send` resolves only when every message is acknowledged by all in-sync replicas,
 * except those it returns as rejected (they can never be published; retrying would stall the
 * partition). It throws IW_PUBLISH_FAILED (retriable: an outage), IW_PUBLISH_REJECTED or
 * IW_PUBLISH_TOO_LARGE otherwise, and the caller must then not commit the inputs.
 */
export interface OutputSink {
  send(messages: readonly OutputMessage[]): Promise<PublishResult>;
  close(): Promise<void>;
}
