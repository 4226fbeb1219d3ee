/**
 * Which labels go to reviewers, and with what probability. Every REVIEW signal goes (probability 1);
 * ALLOW and BLOCK signals are drawn into the audit sample with the configured rates. The draw is a
 * hash of the label's source event and signal, not a random number, so rebuilding the store from the
 * topics draws the same sample, and the recorded probability is the one the estimates weight by.
 */
import { createHash } from 'node:crypto';
import type { Decision } from '../../contracts/generated/integrity-label.js';

export interface AuditRates {
  readonly allow: number;
  readonly block: number;
}

export type Inclusion = { queue: 'review' | 'audit'; probability: number } | undefined;

/** A uniform number in [0, 1) from the first 52 bits of sha256(`audit\n<eventId>\n<signal>`). */
export function auditDraw(sourceEventId: string, signal: string): number {
  const digest = createHash('sha256').update(`audit\n${sourceEventId}\n${signal}`).digest();
  return (digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

export function inclusionFor(
  rates: AuditRates,
  decision: Decision,
  sourceEventId: string,
  signal: string,
): Inclusion {
  if (decision === 'REVIEW') return { queue: 'review', probability: 1 };
  const rate = decision === 'ALLOW' ? rates.allow : decision === 'BLOCK' ? rates.block : 0;
  if (rate <= 0) return undefined;
  return auditDraw(sourceEventId, signal) < rate ? { queue: 'audit', probability: rate } : undefined;
}
