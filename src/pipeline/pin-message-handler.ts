import type { InputMessage } from '../contracts/input-message.js';
import type { MessageHandler } from '../consume/message-handler.js';
import type { RetryPolicy, StageObserver, StageScopes } from '../consume/retrying-stage-runner.js';
import { RetryingStageRunner } from '../consume/retrying-stage-runner.js';
import type { AvroCodec } from '../contracts/avro-codec.js';
import { CONTENT_EMBEDDING, DEAD_LETTER, INTEGRITY_LABEL, PIN_CREATED } from '../contracts/subjects.js';
import type { IntegrityLabel } from '../contracts/generated/integrity-label.js';
import { IntegrityError, toIntegrityError, type ErrorCode } from '../errors.js';
import { buildDeadLetter, encodeDeadLetterToFit } from '../produce/dead-letter-builder.js';
import type { OutputMessage } from '../produce/output-message.js';
import { RECORD_BATCH_OVERHEAD_BYTES, recordBytes } from '../produce/output-requests.js';
import type { PinContentExtractor } from '../content/content.js';
import type { OrbFeatureIndexer } from '../neighbours/orb-feature-indexer.js';
import { isEmbeddingResult } from '../signals/signal.js';
import { buildEmbeddings } from './embedding-builder.js';
import { buildLabel } from './label-builder.js';
import type { ServedSets } from './served-set.js';
import type { ShadowLabeler } from './shadow-labeler.js';
import { traceIdOf } from './trace-id.js';
import { readRescanHeaders, rescanHeaders } from '../contracts/rescan-headers.js';

export interface PinMessageHandlerOptions {
  labelTopic: string;
  deadLetterTopic: string;
  /** Where the ContentEmbedding of every embedding signal's vector goes; none are published without it. */
  embeddingTopic?: string;
  workerVersion: string;
  retry: RetryPolicy;
  /**
   * The dead-letter topic's max.message.bytes (read from Kafka): a dead letter that would exceed it
   * keeps only the first bytes of the original value. @defaultValue no limit
   */
  deadLetterMaxBytes?: () => number;
  now?: () => number;
  observeStage?: StageObserver;
  observeOutcome?: OutcomeObserver;
  /** Opens a span per stage run (see `src/telemetry/stage-spans.ts`). */
  stageScopes?: StageScopes;
  /**
   * The trace id of the record's span, for the label's and dead letter's `traceId`; without one (or
   * when it answers undefined) the record's own `traceparent` is used.
   */
  currentTraceId?: () => string | undefined;
  /** Scores the pin with the shadow signals after its label is built, off the primary path. */
  shadow?: ShadowLabeler;
  /** Time the deciding signals took for one pin, by the set's role for it (primary or canary). */
  observeDeciding?: (info: { role: 'primary' | 'canary'; models: string; ms: number }) => void;
  /** Rescans of transient failures; without it, every failure gets the policy's permanent rule. */
  rescan?: RescanOptions;
  /**
   * Stores the ORB features of every image whose ContentEmbedding is REVIEW/BLOCK (the content that
   * enters the near-duplicate index) before the embedding is published (NEAR_DUPLICATE_VERIFIER=orb).
   */
  orbFeatures?: OrbFeatureIndexer;
}

/** Where and when pins are rescanned after a transient failure (see `src/contracts/rescan-headers.ts`). */
export interface RescanOptions {
  readonly topic: string;
  /** Rescans per event; at the cap the policy's permanent rule applies. */
  readonly maxAttempts: number;
  /** The wait before rescan n is `min(maxDelayMs, baseDelayMs * 2^(n-1))`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Told how every message ended: the runner's metrics hang off this, the pipeline stays plain. */
export type OutcomeObserver = (
  outcome:
    | { kind: 'label'; label: IntegrityLabel; createdAt: number }
    | { kind: 'dead-letter'; code: ErrorCode; stage: string },
) => void;

/**
 * One PinCreated record in, one IntegrityLabel or one DeadLetter out. Input that cannot be decoded or
 * lacks what the worker needs becomes a dead letter with its original bytes and a code. It throws when
 * the schema registry stays unreachable past the retry budget (no record is at fault, and no output
 * could be encoded anyway): the runner then leaves the batch uncommitted. Outputs carry no trace
 * headers: the runner's tracer adds them when it publishes.
 */
export class PinMessageHandler implements MessageHandler {
  private readonly now: () => number;

  constructor(
    private readonly codec: AvroCodec,
    private readonly contents: PinContentExtractor,
    private readonly served: ServedSets,
    private readonly options: PinMessageHandlerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async handle(message: InputMessage): Promise<OutputMessage[]> {
    const firstSeenAt = this.now();
    const stages = new RetryingStageRunner(
      this.options.retry,
      this.options.observeStage,
      this.options.stageScopes,
    );
    const traceId = this.options.currentTraceId?.() ?? traceIdOf(message.headers);
    try {
      if (message.value === null)
        throw new IntegrityError('IW_INPUT_INVALID', 'a record without a value (tombstone)');
      const value = message.value;
      const { record: pin } = await stages.run('decode', () => this.codec.decodeAs(PIN_CREATED, value));
      // The set this pin started with decides it, whatever reload happens meanwhile.
      const lease = this.served.acquire();
      let leased = true;
      try {
        const { set } = lease;
        const deciding = set.rollout.deciding(pin.pinId);
        const policy = deciding.role === 'canary' ? set.canaryPolicy : set.policy;
        const contents = this.contents.extract(pin);
        const started = performance.now();
        const all = await set.runner.run(contents, stages, deciding.signals);
        this.options.observeDeciding?.({
          role: deciding.role,
          models: all.map((r) => `${r.model.name}@${r.model.version}`).join(','),
          ms: performance.now() - started,
        });
        // Embedding signals produce vectors, not decisions: they go to the embeddings topic, not the label.
        const results = all.filter((r) => !isEmbeddingResult(r));
        const rescan = this.options.rescan;
        // Rescan headers are trusted only on the rescan topic; elsewhere a record is a first scan.
        const rescanned = rescan && message.topic === rescan.topic ? readRescanHeaders(message) : null;
        const attempt = rescanned?.attempt ?? 0;
        const origin = rescanned?.origin ?? message;
        const labeledAt = this.now();
        const next =
          rescan && attempt < rescan.maxAttempts
            ? { notBefore: labeledAt + Math.min(rescan.maxDelayMs, rescan.baseDelayMs * 2 ** attempt) }
            : undefined;
        const label = await stages.run('policy', async () =>
          buildLabel(
            results,
            policy,
            {
              pinId: pin.pinId,
              eventId: pin.eventId,
              source: origin,
              traceId,
              workerVersion: this.options.workerVersion,
              labeledAt,
              attempt,
            },
            next,
          ),
        );
        const encoded = await stages.run('encode', () =>
          this.codec.encode(this.options.labelTopic, INTEGRITY_LABEL, label),
        );
        // The deciding set's vectors, with the decision of the label they were part of; encoded before
        // the shadow gets the lease, so a failure here leaves no shadow run behind.
        const embeddings: OutputMessage[] = [];
        const embeddingTopic = this.options.embeddingTopic;
        if (embeddingTopic !== undefined) {
          const records = buildEmbeddings(all, label, deciding.signals, {
            pinId: pin.pinId,
            eventId: pin.eventId,
            source: origin,
            traceId,
            workerVersion: this.options.workerVersion,
            embeddedAt: labeledAt,
          });
          for (const record of records) {
            const bytes = await stages.run('encode', () =>
              this.codec.encode(embeddingTopic, CONTENT_EMBEDDING, record),
            );
            embeddings.push({ topic: embeddingTopic, key: pin.pinId, value: bytes, headers: {} });
          }
          // Features of the flagged images, before their embeddings leave (never fails the pin).
          const image = contents.image;
          const orb = this.options.orbFeatures;
          if (orb && image) {
            const flagged = new Set(
              records
                .filter((r) => r.kind === 'IMAGE' && (r.decision === 'BLOCK' || r.decision === 'REVIEW'))
                .map((r) => r.contentKey),
            );
            for (const contentKey of flagged)
              await orb.index(contentKey, async () => (await image.load(stages)).value);
          }
        }
        if (this.options.shadow) {
          leased = false;
          this.options.shadow.offer({
            lease,
            pinId: pin.pinId,
            eventId: pin.eventId,
            createdAt: pin.createdAt,
            contents,
            primaryResults: results,
            primaryLabel: label,
            source: origin,
            traceId,
          });
        }
        this.options.observeOutcome?.({ kind: 'label', label, createdAt: pin.createdAt });
        const outputs: OutputMessage[] = [
          {
            topic: this.options.labelTopic,
            key: pin.pinId,
            value: encoded,
            headers: { 'iw-rollout-role': deciding.role },
            createdAt: pin.createdAt,
          },
        ];
        outputs.push(...embeddings);
        if (rescan && label.rescanNotBefore !== null) {
          // The same bytes (same key, same writer schema id), published with the label and before the
          // commit: a crash in between replays the record, never loses the rescan.
          const reason = label.signals.find((s) => s.rule === 'rescan')?.reasonCode ?? 'IW_INTERNAL';
          outputs.push({
            topic: rescan.topic,
            key: message.key,
            value,
            headers: rescanHeaders({
              attempt: attempt + 1,
              notBefore: label.rescanNotBefore,
              reason,
              origin: { topic: origin.topic, partition: origin.partition, offset: String(origin.offset) },
            }),
          });
        }
        return outputs;
      } finally {
        if (leased) lease.release();
      }
    } catch (error) {
      const cause = toIntegrityError(error);
      // The registry being down is not the record's fault: dead-lettering would throw good pins away.
      // Throwing leaves the batch uncommitted; it is read again when the registry is back.
      if (cause.code === 'IW_REGISTRY_UNREACHABLE') throw cause;
      const deadLetter = buildDeadLetter(message, cause, {
        stage: stages.failedStage ?? 'validate',
        attempts: Math.max(1, stages.attempts),
        firstSeenAt,
        deadLetteredAt: this.now(),
        traceId,
        workerVersion: this.options.workerVersion,
      });
      const headers = { 'iw-error-code': cause.code };
      const encoded = await encodeDeadLetterToFit(
        deadLetter,
        (record) => this.codec.encode(this.options.deadLetterTopic, DEAD_LETTER, record),
        (value) => recordBytes({ key: message.key, value, headers }),
        // 512: room for the trace headers the runner's tracer adds when it publishes.
        (this.options.deadLetterMaxBytes?.() ?? Infinity) - RECORD_BATCH_OVERHEAD_BYTES - 512,
      );
      this.options.observeOutcome?.({ kind: 'dead-letter', code: cause.code, stage: deadLetter.stage });
      return [
        {
          topic: this.options.deadLetterTopic,
          key: message.key,
          value: encoded,
          headers,
        },
      ];
    }
  }
}
