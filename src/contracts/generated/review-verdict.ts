// Generated from schemas/review_verdict.avsc by scripts/schemas/generate-types.ts. Do not edit: change the
// schema and run `npm run schemas:types`.

/** Symbols of Verdict, in schema order. */
export const VERDICT_SYMBOLS = ['VIOLATES', 'NOT_VIOLATING', 'UNKNOWN'] as const;
/** VIOLATES: the content breaks the signal's policy; NOT_VIOLATING: it does not; UNKNOWN: a symbol this reader does not know. Default: "UNKNOWN". */
export type Verdict = (typeof VERDICT_SYMBOLS)[number];

/** The label signal this verdict answers. */
export interface AnsweredLabel {
  /** Model name, e.g. text-spam. */
  modelName: string;
  /** Model version, e.g. 1. */
  modelVersion: string;
  /** The signal's decision in the label: ALLOW, REVIEW, BLOCK or UNSCORED. */
  decision: string;
  /** Version of the thresholds that decided. */
  policyVersion: string;
  /** labeledAt of the answered label, milliseconds since the Unix epoch, UTC. (Avro timestamp-millis.) */
  labeledAt: number;
  /** Topic the answered label was read from. */
  labelTopic: string;
}

/** A reviewer's verdict on one signal of one pin, published by the review console on integrity.reviews.v1, keyed by pin id. It names the label it answers, so verdicts measure the model version and policy that decided. */
export interface ReviewVerdict {
  /** Unique id of this verdict; a consumer that sees it twice keeps one. (Avro uuid.) */
  verdictId: string;
  /** The reviewed pin (also the message key). */
  pinId: string;
  /** The signal judged, e.g. image.safety or text.spam. */
  signal: string;
  /** What the reviewer decided for this signal. */
  verdict: Verdict;
  /** Pseudonymous id of the reviewer (stable per account, never the login name). */
  reviewerId: string;
  /** When the reviewer decided: milliseconds since the Unix epoch, UTC. (Avro timestamp-millis.) */
  reviewedAt: number;
  /** The label signal the verdict answers. */
  label: AnsweredLabel;
  /** Queue the item came from: review (every REVIEW decision) or audit (a random sample of ALLOW and BLOCK). */
  queue: string;
  /** Probability with which the item was drawn into its queue (1 for review); estimates weight a verdict by its inverse. */
  inclusionProbability: number;
}

/** The Avro schema of ReviewVerdict, as in schemas/review_verdict.avsc. */
export const reviewVerdictSchema = {
  type: 'record',
  name: 'ReviewVerdict',
  namespace: 'integrity',
  doc: "A reviewer's verdict on one signal of one pin, published by the review console on integrity.reviews.v1, keyed by pin id. It names the label it answers, so verdicts measure the model version and policy that decided.",
  fields: [
    {
      name: 'verdictId',
      type: { type: 'string', logicalType: 'uuid' },
      doc: 'Unique id of this verdict; a consumer that sees it twice keeps one.',
    },
    { name: 'pinId', type: 'string', doc: 'The reviewed pin (also the message key).' },
    { name: 'signal', type: 'string', doc: 'The signal judged, e.g. image.safety or text.spam.' },
    {
      name: 'verdict',
      type: {
        type: 'enum',
        name: 'Verdict',
        doc: "VIOLATES: the content breaks the signal's policy; NOT_VIOLATING: it does not; UNKNOWN: a symbol this reader does not know.",
        symbols: ['VIOLATES', 'NOT_VIOLATING', 'UNKNOWN'],
        default: 'UNKNOWN',
      },
      doc: 'What the reviewer decided for this signal.',
    },
    {
      name: 'reviewerId',
      type: 'string',
      doc: 'Pseudonymous id of the reviewer (stable per account, never the login name).',
    },
    {
      name: 'reviewedAt',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When the reviewer decided: milliseconds since the Unix epoch, UTC.',
    },
    {
      name: 'label',
      type: {
        type: 'record',
        name: 'AnsweredLabel',
        doc: 'The label signal this verdict answers.',
        fields: [
          { name: 'modelName', type: 'string', doc: 'Model name, e.g. text-spam.' },
          { name: 'modelVersion', type: 'string', doc: 'Model version, e.g. 1.' },
          {
            name: 'decision',
            type: 'string',
            doc: "The signal's decision in the label: ALLOW, REVIEW, BLOCK or UNSCORED.",
          },
          { name: 'policyVersion', type: 'string', doc: 'Version of the thresholds that decided.' },
          {
            name: 'labeledAt',
            type: { type: 'long', logicalType: 'timestamp-millis' },
            doc: 'labeledAt of the answered label, milliseconds since the Unix epoch, UTC.',
          },
          { name: 'labelTopic', type: 'string', doc: 'Topic the answered label was read from.' },
        ],
      },
      doc: 'The label signal the verdict answers.',
    },
    {
      name: 'queue',
      type: 'string',
      doc: 'Queue the item came from: review (every REVIEW decision) or audit (a random sample of ALLOW and BLOCK).',
    },
    {
      name: 'inclusionProbability',
      type: 'double',
      doc: 'Probability with which the item was drawn into its queue (1 for review); estimates weight a verdict by its inverse.',
    },
  ],
} as const;
