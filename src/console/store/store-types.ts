/** What the label store answers: rows shaped for the console's API. */
export type Queue = 'review' | 'audit';
export type LabelRole = 'primary' | 'shadow' | 'canary';

export interface KafkaPos {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface QueueFilter {
  queue?: Queue;
  signal?: string;
  /** `name@version`. */
  model?: string;
  /** The class that triggered the decision, or an UNSCORED reason code. */
  reason?: string;
  /** The host of the pin's link. */
  domain?: string;
  sort?: 'oldest' | 'score';
  limit?: number;
}

export interface QueueItem {
  itemId: string;
  pinId: string;
  signal: string;
  queue: Queue;
  inclusionProbability: number;
  decision: string;
  model: string;
  policyVersion: string;
  labeledAt: number;
  labelTopic: string;
  scores: Record<string, number>;
  /** Top score of the item (for sorting by score). */
  topScore: number;
  reason: string | null;
  /** The rule that decided, e.g. `spam >= 0.615033 -> BLOCK`; null when no rule matched. */
  rule: string | null;
  status: 'open' | 'decided';
  claimedBy: string | null;
  claimExpiresAt: number | null;
  pin: {
    title: string | null;
    description: string | null;
    link: string | null;
    linkDomain: string | null;
    hasImage: boolean;
    createdAt: number | null;
  };
}

export interface VerdictRow {
  verdictId: string;
  pinId: string;
  signal: string;
  verdict: string;
  reviewerId: string;
  reviewedAt: number;
  model: string;
  decision: string;
  queue: Queue;
  inclusionProbability: number;
}

export interface UserRow {
  username: string;
  reviewerId: string;
  role: 'reviewer' | 'admin';
  passwordHash: string;
}

export interface SessionRow {
  username: string;
  csrfToken: string;
  expiresAt: number;
  role: 'reviewer' | 'admin';
  reviewerId: string;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}
