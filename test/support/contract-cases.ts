/**
 * Contract test helpers: register every contract under its topic's subject, and one minimal and one
 * full record of each contract, addressed to its topic.
 */
import type { Contract } from '../../src/contracts/contract.js';
import { registerSchema } from '../../src/contracts/schema-check.js';
import type { SchemaRegistryAdmin } from '../../src/contracts/schema-registry.js';
import {
  CONTENT_EMBEDDING,
  DEAD_LETTER,
  INTEGRITY_LABEL,
  PIN_CREATED,
  REVIEW_VERDICT,
  SUBJECT_COMPATIBILITY,
  topicContracts,
  type ContractRole,
} from '../../src/contracts/subjects.js';
import * as records from './records.js';

/** Topics per contract; `reviews` and `embeddings` are optional so that worker tests register only what they use. */
export type ContractTopics = Record<Exclude<ContractRole, 'reviews' | 'embeddings'>, string> &
  Partial<Record<'reviews' | 'embeddings', string>>;

/** Registers each contract under `<topic>-value` with the project's compatibility rule. */
export async function registerContracts(
  registry: SchemaRegistryAdmin,
  topics: ContractTopics,
): Promise<void> {
  // Only the roles the test named: a default topic's subject is never touched by a test.
  for (const entry of topicContracts(topics).filter((e) => e.role in topics)) {
    await registerSchema(registry, entry.subject, entry.contract.schemaText, SUBJECT_COMPATIBILITY);
  }
}

/** `[name, topic, contract, record]` for a minimal and a full record of each contract. */
export function recordCases(topics: ContractTopics): [string, string, Contract<unknown>, unknown][] {
  return [
    ['PinCreated minimal', topics.pins, PIN_CREATED, records.minimalPinCreated()],
    ['PinCreated full', topics.pins, PIN_CREATED, records.fullPinCreated()],
    ['IntegrityLabel minimal', topics.labels, INTEGRITY_LABEL, records.minimalIntegrityLabel()],
    ['IntegrityLabel full', topics.labels, INTEGRITY_LABEL, records.fullIntegrityLabel()],
    [
      'IntegrityLabel video near-duplicate',
      topics.labels,
      INTEGRITY_LABEL,
      records.videoNearDuplicateLabel(),
    ],
    ['DeadLetter minimal', topics.deadLetters, DEAD_LETTER, records.minimalDeadLetter()],
    ['DeadLetter full', topics.deadLetters, DEAD_LETTER, records.fullDeadLetter()],
    ...(topics.reviews ? [['ReviewVerdict', topics.reviews, REVIEW_VERDICT, records.reviewVerdict()]] : []),
    ...(topics.embeddings === undefined
      ? []
      : [
          [
            'ContentEmbedding minimal',
            topics.embeddings,
            CONTENT_EMBEDDING,
            records.minimalContentEmbedding(),
          ],
          ['ContentEmbedding full', topics.embeddings, CONTENT_EMBEDDING, records.fullContentEmbedding()],
          [
            'ContentEmbedding video frame',
            topics.embeddings,
            CONTENT_EMBEDDING,
            records.videoFrameEmbedding(),
          ],
        ]),
  ] as [string, string, Contract<unknown>, unknown][];
}
