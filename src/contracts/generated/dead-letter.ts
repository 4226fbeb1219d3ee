// Generated from schemas/dead_letter.avsc by scripts/schemas/generate-types.ts. Do not edit: change the
// schema and run `npm run schemas:types`.

/** Where a Kafka record was read from. */
export interface KafkaPosition {
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Offset of the record in its partition. */
  offset: number;
}

/** One Kafka record header. */
export interface Header {
  /** Header name. */
  key: string;
  /** Header value bytes, unchanged; null when the header had no value. Default: null. */
  value: Buffer | null;
}

/** A record the integrity worker could not process, kept with its original bytes so that it can be inspected and replayed. Published on integrity.deadletter.v1 with the original key. */
export interface DeadLetter {
  /** Where the original record was read from. */
  source: KafkaPosition;
  /** The original record's key bytes, unchanged; null when it had no key. Default: null. */
  key: Buffer | null;
  /** The original record's value bytes, unchanged (usually Confluent wire format); null for a tombstone. Default: null. */
  value: Buffer | null;
  /** The original record's headers in their original order (a name may repeat). */
  headers: Header[];
  /** Stable worker error code of the failure (IW_*, see src/errors.ts). */
  errorCode: string;
  /** Human-readable error message; never parsed. */
  errorMessage: string;
  /** Pipeline stage that failed, as the worker names them (src/pipeline/stage-runner.ts): decode, validate or encode today; consumers must accept other values. */
  stage: string;
  /** How many times the worker tried the record before giving up (1 for a permanent error). */
  attempts: number;
  /** When the worker first read the record: milliseconds since the Unix epoch, UTC. (Avro timestamp-millis.) */
  firstSeenAt: number;
  /** When the worker gave up on it: milliseconds since the Unix epoch, UTC. (Avro timestamp-millis.) */
  deadLetteredAt: number;
  /** W3C trace id of the failed processing; null when untraced. Default: null. */
  traceId: string | null;
  /** Version of the integrity worker that gave up. */
  workerVersion: string;
  /** Size in bytes of the original value when `value` holds only its first bytes, because the whole dead letter would exceed the dead-letter topic's max.message.bytes; null when `value` is complete. Default: null. */
  originalValueBytes: number | null;
}

/** The Avro schema of DeadLetter, as in schemas/dead_letter.avsc. */
export const deadLetterSchema = {
  type: 'record',
  name: 'DeadLetter',
  namespace: 'integrity',
  doc: 'A record the integrity worker could not process, kept with its original bytes so that it can be inspected and replayed. Published on integrity.deadletter.v1 with the original key.',
  fields: [
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'KafkaPosition',
        doc: 'Where a Kafka record was read from.',
        fields: [
          { name: 'topic', type: 'string', doc: 'Topic name.' },
          { name: 'partition', type: 'int', doc: 'Partition number.' },
          { name: 'offset', type: 'long', doc: 'Offset of the record in its partition.' },
        ],
      },
      doc: 'Where the original record was read from.',
    },
    {
      name: 'key',
      type: ['null', 'bytes'],
      default: null,
      doc: "The original record's key bytes, unchanged; null when it had no key.",
    },
    {
      name: 'value',
      type: ['null', 'bytes'],
      default: null,
      doc: "The original record's value bytes, unchanged (usually Confluent wire format); null for a tombstone.",
    },
    {
      name: 'headers',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Header',
          doc: 'One Kafka record header.',
          fields: [
            { name: 'key', type: 'string', doc: 'Header name.' },
            {
              name: 'value',
              type: ['null', 'bytes'],
              default: null,
              doc: 'Header value bytes, unchanged; null when the header had no value.',
            },
          ],
        },
      },
      doc: "The original record's headers in their original order (a name may repeat).",
    },
    {
      name: 'errorCode',
      type: 'string',
      doc: 'Stable worker error code of the failure (IW_*, see src/errors.ts).',
    },
    { name: 'errorMessage', type: 'string', doc: 'Human-readable error message; never parsed.' },
    {
      name: 'stage',
      type: 'string',
      doc: 'Pipeline stage that failed, as the worker names them (src/pipeline/stage-runner.ts): decode, validate or encode today; consumers must accept other values.',
    },
    {
      name: 'attempts',
      type: 'int',
      doc: 'How many times the worker tried the record before giving up (1 for a permanent error).',
    },
    {
      name: 'firstSeenAt',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When the worker first read the record: milliseconds since the Unix epoch, UTC.',
    },
    {
      name: 'deadLetteredAt',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When the worker gave up on it: milliseconds since the Unix epoch, UTC.',
    },
    {
      name: 'traceId',
      type: ['null', 'string'],
      default: null,
      doc: 'W3C trace id of the failed processing; null when untraced.',
    },
    { name: 'workerVersion', type: 'string', doc: 'Version of the integrity worker that gave up.' },
    {
      name: 'originalValueBytes',
      type: ['null', 'long'],
      default: null,
      doc: "Size in bytes of the original value when `value` holds only its first bytes, because the whole dead letter would exceed the dead-letter topic's max.message.bytes; null when `value` is complete.",
    },
  ],
} as const;
