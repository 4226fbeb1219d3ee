// Generated from schemas/integrity_label.avsc by scripts/schemas/generate-types.ts. Do not edit: change the
// schema and run `npm run schemas:types`.

/** Symbols of Decision, in schema order. */
export const DECISION_SYMBOLS = ['ALLOW', 'REVIEW', 'BLOCK', 'UNSCORED'] as const;
/** What the policy decides. ALLOW: show the pin; REVIEW: send it to human review; BLOCK: hide it; UNSCORED: no decision could be made. A reader that meets a symbol it does not know reads UNSCORED. Default: "UNSCORED". */
export type Decision = (typeof DECISION_SYMBOLS)[number];

/** A model version as named in the model repository (models/<name>/<version>). */
export interface ModelRef {
  /** Model name, e.g. image-safety. */
  name: string;
  /** Model version, e.g. 1. */
  version: string;
}

/** Indexed content (decided REVIEW or BLOCK before) that this pin's content is a near-duplicate of. */
export interface NearDuplicateMatch {
  /** Content key of the matched, earlier content. */
  contentKey: string;
  /** Pin id of the embedding that put the matched content in the index. */
  pinId: string;
  /** Cosine distance (1 - cosine similarity) of the two embeddings; 0 = same direction. */
  distance: number;
  /** What the matched content was decided (by the signals reading it). */
  decision: Decision;
  /** When the matched content is a video (its frames are indexed by video.embedding): the timestamp in milliseconds of the matched frame of that video; null for an image, and in labels written before video frames were indexed. Default: null. */
  frameTimestampMs: number | null;
}

/** One signal: one model's view of one part of the pin, and the policy's decision on it. */
export interface Signal {
  /** Signal name: image.safety, text.spam or video.safety today; consumers must ignore names they do not know. */
  signal: string;
  /** The model that produced (or, when UNSCORED, would have produced) the scores. */
  model: ModelRef;
  /** Probability per class of the model (class name -> probability in [0, 1]); empty when UNSCORED. */
  scores: Record<string, number>;
  /** The policy's decision for this signal. Scored: by the thresholds. Not scored: by the rule named in rule (REVIEW by default for a failure that will not be rescanned; UNSCORED while a rescan is pending or when the content is absent). */
  decision: Decision;
  /** Why the signal is UNSCORED: a stable worker error code (e.g. IW_FETCH_TIMEOUT); null when scored. Default: null. */
  reasonCode: string | null;
  /** Version of the threshold set that turned the scores into the decision. */
  policyVersion: string;
  /** Key of the content the scores were computed on (image signature or sha256 of bytes, sha256 of normalized text); null when the content could not be read. Default: null. */
  contentKey: string | null;
  /** True when the scores came from the score cache instead of a model run. */
  cached: boolean;
  /** Which policy rule decided this signal: thresholds (scored), rescan (a transient failure; a rescan is scheduled and its label will supersede this one), unscored.<CODE> (the policy's rule for that reason code), unscored.default, unscored.absent (no content, ignored), no-rule; null in labels written before rules existed. Default: null. */
  rule: string | null;
  /** For a signal over a video's sampled frames: the timestamp in milliseconds of the frame that decided (video.safety: the worst frame, whose scores are the signal's; video.near_duplicate: the frame of this video that matched); null for other signals, when UNSCORED, and in labels written before video signals existed. Default: null. */
  frameTimestampMs: number | null;
  /** For a near-duplicate signal (image.near_duplicate, video.near_duplicate): the nearest indexed content within the calibrated distance; null for every other signal, and when nothing is near. Default: null. */
  nearDuplicate: NearDuplicateMatch | null;
}

/** Where a Kafka record was read from. */
export interface KafkaPosition {
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Offset of the record in its partition. */
  offset: number;
}

/** The integrity signals of one pin, published by the integrity worker on integrity.labels.v1, keyed by pin id. Labels for one pin supersede each other: the latest wins, where latest means the higher attempt for the same sourceEventId (a rescan's label supersedes the first scan's, even if a replay republishes the older one later); across events, the later offset on the pin's partition wins. */
export interface IntegrityLabel {
  /** Id of the labeled pin (the message key). */
  pinId: string;
  /** eventId of the PinCreated event this label answers. (Avro uuid.) */
  sourceEventId: string;
  /** When the worker decided: milliseconds since the Unix epoch, UTC. (Avro timestamp-millis.) */
  labeledAt: number;
  /** Overall decision for the pin: the strictest decision among its signals (BLOCK over REVIEW over ALLOW); UNSCORED when no signal counted, or while a signal waits for a rescan (rule rescan) and no other signal says REVIEW or BLOCK. */
  decision: Decision;
  /** One entry per signal the worker computes for the pin, scored or not. */
  signals: Signal[];
  /** Position of the PinCreated record this label answers. */
  source: KafkaPosition;
  /** W3C trace id (32 hex characters) of the trace that produced the label; null when untraced. Default: null. */
  traceId: string | null;
  /** Version of the integrity worker that produced the label. */
  workerVersion: string;
  /** Which scan of the pin this label answers: 0 for the first, n for the n-th rescan after a transient failure. For one sourceEventId, the label with the higher attempt supersedes the others. Default: 0. */
  attempt: number;
  /** When a rescan of the pin is scheduled (not before this time, ms since the Unix epoch, UTC): a later label will supersede this one. Null when no rescan is scheduled: this label is final for its event. Default: null. */
  rescanNotBefore: number | null;
}

/** The Avro schema of IntegrityLabel, as in schemas/integrity_label.avsc. */
export const integrityLabelSchema = {
  type: 'record',
  name: 'IntegrityLabel',
  namespace: 'integrity',
  doc: "The integrity signals of one pin, published by the integrity worker on integrity.labels.v1, keyed by pin id. Labels for one pin supersede each other: the latest wins, where latest means the higher attempt for the same sourceEventId (a rescan's label supersedes the first scan's, even if a replay republishes the older one later); across events, the later offset on the pin's partition wins.",
  fields: [
    { name: 'pinId', type: 'string', doc: 'Id of the labeled pin (the message key).' },
    {
      name: 'sourceEventId',
      type: { type: 'string', logicalType: 'uuid' },
      doc: 'eventId of the PinCreated event this label answers.',
    },
    {
      name: 'labeledAt',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When the worker decided: milliseconds since the Unix epoch, UTC.',
    },
    {
      name: 'decision',
      type: {
        type: 'enum',
        name: 'Decision',
        doc: 'What the policy decides. ALLOW: show the pin; REVIEW: send it to human review; BLOCK: hide it; UNSCORED: no decision could be made. A reader that meets a symbol it does not know reads UNSCORED.',
        symbols: ['ALLOW', 'REVIEW', 'BLOCK', 'UNSCORED'],
        default: 'UNSCORED',
      },
      doc: 'Overall decision for the pin: the strictest decision among its signals (BLOCK over REVIEW over ALLOW); UNSCORED when no signal counted, or while a signal waits for a rescan (rule rescan) and no other signal says REVIEW or BLOCK.',
    },
    {
      name: 'signals',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Signal',
          doc: "One signal: one model's view of one part of the pin, and the policy's decision on it.",
          fields: [
            {
              name: 'signal',
              type: 'string',
              doc: 'Signal name: image.safety, text.spam or video.safety today; consumers must ignore names they do not know.',
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
              doc: 'The model that produced (or, when UNSCORED, would have produced) the scores.',
            },
            {
              name: 'scores',
              type: { type: 'map', values: 'double' },
              doc: 'Probability per class of the model (class name -> probability in [0, 1]); empty when UNSCORED.',
            },
            {
              name: 'decision',
              type: 'Decision',
              doc: "The policy's decision for this signal. Scored: by the thresholds. Not scored: by the rule named in rule (REVIEW by default for a failure that will not be rescanned; UNSCORED while a rescan is pending or when the content is absent).",
            },
            {
              name: 'reasonCode',
              type: ['null', 'string'],
              default: null,
              doc: 'Why the signal is UNSCORED: a stable worker error code (e.g. IW_FETCH_TIMEOUT); null when scored.',
            },
            {
              name: 'policyVersion',
              type: 'string',
              doc: 'Version of the threshold set that turned the scores into the decision.',
            },
            {
              name: 'contentKey',
              type: ['null', 'string'],
              default: null,
              doc: 'Key of the content the scores were computed on (image signature or sha256 of bytes, sha256 of normalized text); null when the content could not be read.',
            },
            {
              name: 'cached',
              type: 'boolean',
              doc: 'True when the scores came from the score cache instead of a model run.',
            },
            {
              name: 'rule',
              type: ['null', 'string'],
              default: null,
              doc: "Which policy rule decided this signal: thresholds (scored), rescan (a transient failure; a rescan is scheduled and its label will supersede this one), unscored.<CODE> (the policy's rule for that reason code), unscored.default, unscored.absent (no content, ignored), no-rule; null in labels written before rules existed.",
            },
            {
              name: 'frameTimestampMs',
              type: ['null', 'long'],
              default: null,
              doc: "For a signal over a video's sampled frames: the timestamp in milliseconds of the frame that decided (video.safety: the worst frame, whose scores are the signal's; video.near_duplicate: the frame of this video that matched); null for other signals, when UNSCORED, and in labels written before video signals existed.",
            },
            {
              name: 'nearDuplicate',
              type: [
                'null',
                {
                  type: 'record',
                  name: 'NearDuplicateMatch',
                  doc: "Indexed content (decided REVIEW or BLOCK before) that this pin's content is a near-duplicate of.",
                  fields: [
                    {
                      name: 'contentKey',
                      type: 'string',
                      doc: 'Content key of the matched, earlier content.',
                    },
                    {
                      name: 'pinId',
                      type: 'string',
                      doc: 'Pin id of the embedding that put the matched content in the index.',
                    },
                    {
                      name: 'distance',
                      type: 'double',
                      doc: 'Cosine distance (1 - cosine similarity) of the two embeddings; 0 = same direction.',
                    },
                    {
                      name: 'decision',
                      type: 'Decision',
                      doc: 'What the matched content was decided (by the signals reading it).',
                    },
                    {
                      name: 'frameTimestampMs',
                      type: ['null', 'long'],
                      default: null,
                      doc: 'When the matched content is a video (its frames are indexed by video.embedding): the timestamp in milliseconds of the matched frame of that video; null for an image, and in labels written before video frames were indexed.',
                    },
                  ],
                },
              ],
              default: null,
              doc: 'For a near-duplicate signal (image.near_duplicate, video.near_duplicate): the nearest indexed content within the calibrated distance; null for every other signal, and when nothing is near.',
            },
          ],
        },
      },
      doc: 'One entry per signal the worker computes for the pin, scored or not.',
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
      doc: 'Position of the PinCreated record this label answers.',
    },
    {
      name: 'traceId',
      type: ['null', 'string'],
      default: null,
      doc: 'W3C trace id (32 hex characters) of the trace that produced the label; null when untraced.',
    },
    {
      name: 'workerVersion',
      type: 'string',
      doc: 'Version of the integrity worker that produced the label.',
    },
    {
      name: 'attempt',
      type: 'int',
      default: 0,
      doc: 'Which scan of the pin this label answers: 0 for the first, n for the n-th rescan after a transient failure. For one sourceEventId, the label with the higher attempt supersedes the others.',
    },
    {
      name: 'rescanNotBefore',
      type: ['null', { type: 'long', logicalType: 'timestamp-millis' }],
      default: null,
      doc: 'When a rescan of the pin is scheduled (not before this time, ms since the Unix epoch, UTC): a later label will supersede this one. Null when no rescan is scheduled: this label is final for its event.',
    },
  ],
} as const;
