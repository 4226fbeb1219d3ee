// Generated from schemas/content_embedding.avsc by scripts/schemas/generate-types.ts. Do not edit: change the
// schema and run `npm run schemas:types`.

/** Symbols of ContentKind, in schema order. */
export const CONTENT_KIND_SYMBOLS = ['IMAGE', 'TEXT', 'UNKNOWN', 'VIDEO_FRAME'] as const;
/** What was embedded: an image, a text, or one sampled frame of a video (VIDEO_FRAME, see frame). Symbols are only ever appended; a reader that meets a symbol it does not know reads UNKNOWN. Default: "UNKNOWN". */
export type ContentKind = (typeof CONTENT_KIND_SYMBOLS)[number];

/** A model version as named in the model repository (models/<name>/<version>). */
export interface ModelRef {
  /** Model name, e.g. image-safety. */
  name: string;
  /** Model version, e.g. 1. */
  version: string;
}

/** Symbols of Decision, in schema order. */
export const DECISION_SYMBOLS = ['ALLOW', 'REVIEW', 'BLOCK', 'UNSCORED'] as const;
/** What the policy decides. ALLOW: show the pin; REVIEW: send it to human review; BLOCK: hide it; UNSCORED: no decision could be made. A reader that meets a symbol it does not know reads UNSCORED. Default: "UNSCORED". */
export type Decision = (typeof DECISION_SYMBOLS)[number];

/** Where a Kafka record was read from. */
export interface KafkaPosition {
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Offset of the record in its partition. */
  offset: number;
}

/** One sampled frame of a video. */
export interface VideoFrame {
  /** 0-based position of the frame among the video's sampled frames (at most 16); unique per content key. */
  index: number;
  /** Timestamp of the frame in milliseconds from the start of the video. */
  timestampMs: number;
}

/** One embedding of one piece of a pin's content (its image or its text), published by the integrity worker on content.embeddings.v1, keyed by pin id, for relevance, retrieval and near-duplicate search. A pin with an image and a text has one record per embedded content. */
export interface ContentEmbedding {
  /** Id of the pin whose content was embedded (the message key). */
  pinId: string;
  /** eventId of the PinCreated event that carried the content. (Avro uuid.) */
  sourceEventId: string;
  /** Key of the embedded content, as in the label's signal: sig:<upstream signature> or sha256:<hex of the image bytes> for images, sha256:<hex of the model text> for texts. Equal keys have equal vectors for one model version. */
  contentKey: string;
  /** The kind of content the vector describes. */
  kind: ContentKind;
  /** Signal name: image.embedding, text.embedding or video.embedding (one record per sampled frame, see frame); consumers must ignore names they do not know. */
  signal: string;
  /** The model whose output this is. Vectors of different model versions are not comparable. */
  model: ModelRef;
  /** Name of the model output the vector comes from (the manifest's embeddings entry), e.g. embedding. */
  output: string;
  /** Number of values in the vector. */
  dimension: number;
  /** The vector: dimension IEEE 754 float32 values, little-endian, 4 * dimension bytes. Chosen over an Avro array of floats: the same size, and decoded about 3x faster with avsc and 25x faster with fastavro (measured, README: Contracts). */
  vector: Buffer;
  /** True when the vector has unit L2 norm, so the cosine similarity of two vectors is their dot product. */
  normalized: boolean;
  /** What the label published for the same pin and event decided about this content: the strictest decision of the signals that read it (image.safety for an image), near-duplicate signals left out so that a copy inheriting REVIEW is not indexed as flagged content itself; null when no signal read it. The near-duplicate index keeps REVIEW and BLOCK content. Default: null. */
  decision: Decision | null;
  /** When the worker computed (or found in its cache) the vector: milliseconds since the Unix epoch, UTC. (Avro timestamp-millis.) */
  embeddedAt: number;
  /** Where the PinCreated record that carried the content was read. */
  source: KafkaPosition;
  /** W3C trace id of the run; null when untraced. Default: null. */
  traceId: string | null;
  /** Version of the worker that produced the embedding. */
  workerVersion: string;
  /** For a video's frame embedding (video.embedding publishes one record per sampled frame, all under the video's content key): which frame the vector is of; null for images and texts, and in records written before frames were published. Default: null. */
  frame: VideoFrame | null;
}

/** The Avro schema of ContentEmbedding, as in schemas/content_embedding.avsc. */
export const contentEmbeddingSchema = {
  type: 'record',
  name: 'ContentEmbedding',
  namespace: 'integrity',
  doc: "One embedding of one piece of a pin's content (its image or its text), published by the integrity worker on content.embeddings.v1, keyed by pin id, for relevance, retrieval and near-duplicate search. A pin with an image and a text has one record per embedded content.",
  fields: [
    { name: 'pinId', type: 'string', doc: 'Id of the pin whose content was embedded (the message key).' },
    {
      name: 'sourceEventId',
      type: { type: 'string', logicalType: 'uuid' },
      doc: 'eventId of the PinCreated event that carried the content.',
    },
    {
      name: 'contentKey',
      type: 'string',
      doc: "Key of the embedded content, as in the label's signal: sig:<upstream signature> or sha256:<hex of the image bytes> for images, sha256:<hex of the model text> for texts. Equal keys have equal vectors for one model version.",
    },
    {
      name: 'kind',
      type: {
        type: 'enum',
        name: 'ContentKind',
        doc: 'What was embedded: an image, a text, or one sampled frame of a video (VIDEO_FRAME, see frame). Symbols are only ever appended; a reader that meets a symbol it does not know reads UNKNOWN.',
        symbols: ['IMAGE', 'TEXT', 'UNKNOWN', 'VIDEO_FRAME'],
        default: 'UNKNOWN',
      },
      doc: 'The kind of content the vector describes.',
    },
    {
      name: 'signal',
      type: 'string',
      doc: 'Signal name: image.embedding, text.embedding or video.embedding (one record per sampled frame, see frame); consumers must ignore names they do not know.',
    },
    {
      name: 'model',
      type: {
        type: 'record',
        name: 'ModelRef',
        doc: 'A model version as named in the model repository (models/<name>/<version>).',
        fields: [
          { name: 'name', type: 'string', doc: 'Model name, e.g. image-safety.' },
          { name: 'version', type: 'string', doc: 'Model version, e.g. 1.' },
        ],
      },
      doc: 'The model whose output this is. Vectors of different model versions are not comparable.',
    },
    {
      name: 'output',
      type: 'string',
      doc: "Name of the model output the vector comes from (the manifest's embeddings entry), e.g. embedding.",
    },
    { name: 'dimension', type: 'int', doc: 'Number of values in the vector.' },
    {
      name: 'vector',
      type: 'bytes',
      doc: 'The vector: dimension IEEE 754 float32 values, little-endian, 4 * dimension bytes. Chosen over an Avro array of floats: the same size, and decoded about 3x faster with avsc and 25x faster with fastavro (measured, README: Contracts).',
    },
    {
      name: 'normalized',
      type: 'boolean',
      doc: 'True when the vector has unit L2 norm, so the cosine similarity of two vectors is their dot product.',
    },
    {
      name: 'decision',
      type: [
        'null',
        {
          type: 'enum',
          name: 'Decision',
          doc: 'What the policy decides. ALLOW: show the pin; REVIEW: send it to human review; BLOCK: hide it; UNSCORED: no decision could be made. A reader that meets a symbol it does not know reads UNSCORED.',
          symbols: ['ALLOW', 'REVIEW', 'BLOCK', 'UNSCORED'],
          default: 'UNSCORED',
        },
      ],
      default: null,
      doc: 'What the label published for the same pin and event decided about this content: the strictest decision of the signals that read it (image.safety for an image), near-duplicate signals left out so that a copy inheriting REVIEW is not indexed as flagged content itself; null when no signal read it. The near-duplicate index keeps REVIEW and BLOCK content.',
    },
    {
      name: 'embeddedAt',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When the worker computed (or found in its cache) the vector: milliseconds since the Unix epoch, UTC.',
    },
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
      doc: 'Where the PinCreated record that carried the content was read.',
    },
    {
      name: 'traceId',
      type: ['null', 'string'],
      default: null,
      doc: 'W3C trace id of the run; null when untraced.',
    },
    { name: 'workerVersion', type: 'string', doc: 'Version of the worker that produced the embedding.' },
    {
      name: 'frame',
      type: [
        'null',
        {
          type: 'record',
          name: 'VideoFrame',
          doc: 'One sampled frame of a video.',
          fields: [
            {
              name: 'index',
              type: 'int',
              doc: "0-based position of the frame among the video's sampled frames (at most 16); unique per content key.",
            },
            {
              name: 'timestampMs',
              type: 'long',
              doc: 'Timestamp of the frame in milliseconds from the start of the video.',
            },
          ],
        },
      ],
      default: null,
      doc: "For a video's frame embedding (video.embedding publishes one record per sampled frame, all under the video's content key): which frame the vector is of; null for images and texts, and in records written before frames were published.",
    },
  ],
} as const;
