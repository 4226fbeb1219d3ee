/**
 * The one place that says which contract travels on which topic, and how a topic names its registry
 * subject (TopicNameStrategy: `<topic>-value`). Topic names are parameters everywhere else; the
 * defaults below are what the worker uses until configuration overrides them.
 */
import type { Contract } from './contract.js';
import { defineContract } from './contract.js';
import type { CompatibilityLevel } from './schema-registry.js';
import { contentEmbeddingSchema, type ContentEmbedding } from './generated/content-embedding.js';
import { deadLetterSchema, type DeadLetter } from './generated/dead-letter.js';
import { integrityLabelSchema, type IntegrityLabel } from './generated/integrity-label.js';
import { pinCreatedSchema, type PinCreated } from './generated/pin-created.js';
import { reviewVerdictSchema, type ReviewVerdict } from './generated/review-verdict.js';

export const PIN_CREATED: Contract<PinCreated> = defineContract<PinCreated>(pinCreatedSchema);
export const INTEGRITY_LABEL: Contract<IntegrityLabel> = defineContract<IntegrityLabel>(integrityLabelSchema);
export const DEAD_LETTER: Contract<DeadLetter> = defineContract<DeadLetter>(deadLetterSchema);
export const REVIEW_VERDICT: Contract<ReviewVerdict> = defineContract<ReviewVerdict>(reviewVerdictSchema);

export const CONTENT_EMBEDDING: Contract<ContentEmbedding> =
  defineContract<ContentEmbedding>(contentEmbeddingSchema);

export type ContractRole = 'pins' | 'labels' | 'deadLetters' | 'reviews' | 'rescans' | 'embeddings';

export const DEFAULT_TOPICS: Readonly<Record<ContractRole, string>> = Object.freeze({
  pins: 'pins.created.v1',
  labels: 'integrity.labels.v1',
  deadLetters: 'integrity.deadletter.v1',
  reviews: 'integrity.reviews.v1',
  /** Pins to rescan: the PinCreated bytes as read, with `iw-rescan-*` headers. */
  rescans: 'pins.retry.v1',
  embeddings: 'content.embeddings.v1',
});

/**
 * The rule `schemas register` sets on every subject. FULL (= BACKWARD and FORWARD against the latest
 * version) rather than BACKWARD alone: labels are read by other teams' consumers that upgrade after
 * us, so removing a field they need must be refused as well as adding one that old data lacks.
 */
export const SUBJECT_COMPATIBILITY: CompatibilityLevel = 'FULL';

/** One contract on one topic, with its schema file under `schemas/`. */
export interface TopicContract {
  role: ContractRole;
  topic: string;
  subject: string;
  file: string;
  contract: Contract<unknown>;
}

const FILES: Readonly<Record<ContractRole, { file: string; contract: Contract<unknown> }>> = {
  pins: { file: 'pin_created.avsc', contract: PIN_CREATED as Contract<unknown> },
  labels: { file: 'integrity_label.avsc', contract: INTEGRITY_LABEL as Contract<unknown> },
  deadLetters: { file: 'dead_letter.avsc', contract: DEAD_LETTER as Contract<unknown> },
  reviews: { file: 'review_verdict.avsc', contract: REVIEW_VERDICT as Contract<unknown> },
  rescans: { file: 'pin_created.avsc', contract: PIN_CREATED as Contract<unknown> },
  embeddings: { file: 'content_embedding.avsc', contract: CONTENT_EMBEDDING as Contract<unknown> },
};

/** The registry subject of a topic's values. */
export function subjectForTopic(topic: string): string {
  return `${topic}-value`;
}

/** Every contract with its topic; `topics` overrides the defaults. */
export function topicContracts(topics: Partial<Record<ContractRole, string>> = {}): TopicContract[] {
  return (Object.keys(FILES) as ContractRole[]).map((role) => {
    const topic = topics[role] ?? DEFAULT_TOPICS[role];
    return { role, topic, subject: subjectForTopic(topic), ...FILES[role] };
  });
}
