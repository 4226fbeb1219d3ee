/**
 * The label store: the console's materialized view of the pin, label and review topics, on one
 * {@link SqlDriver} (SQLite or PostgreSQL, the same code). Every `apply*` writes its rows and the
 * record's next offset in one transaction, so a restart resumes exactly where the view stands, and a
 * deleted view is rebuilt by reading the topics from the beginning. Applying a record twice is
 * harmless (upserts by key; a label older than the stored one only adds history).
 */
import { createHash } from 'node:crypto';
import type { IntegrityLabel } from '../../contracts/generated/integrity-label.js';
import type { PinCreated } from '../../contracts/generated/pin-created.js';
import type { ReviewVerdict } from '../../contracts/generated/review-verdict.js';
import { inclusionFor, type AuditRates } from '../ingest/audit-sample.js';
import type { Row, SqlDriver, SqlExecutor } from './sql-driver.js';
import { META_DDL, STORE_DDL, VIEW_TABLES, VIEW_VERSION } from './store-schema.js';
import type { KafkaPos, LabelRole, QueueFilter, QueueItem } from './store-types.js';

/**
 * Says which rule decided a signal (the trigger class and a readable rule, when one fired) and its
 * risk score: the highest score among the classes the policy's rules name (what "by score" sorts).
 */
export type RuleExplainer = (
  signal: string,
  policyVersion: string,
  scores: Readonly<Record<string, number>>,
) => { reason?: string; rule?: string; riskScore: number } | undefined;

export function itemIdFor(pinId: string, signal: string): string {
  return createHash('sha256').update(`${pinId}\n${signal}`).digest('hex').slice(0, 24);
}

export function linkDomain(link: string | null): string | null {
  if (!link) return null;
  try {
    return new URL(link).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

export class LabelStore {
  constructor(
    readonly driver: SqlDriver,
    private readonly rates: AuditRates,
    private readonly explain: RuleExplainer = () => undefined,
  ) {}

  /** Creates the tables; a view of another layout version is dropped first (the ingest rebuilds it). */
  async migrate(): Promise<void> {
    await this.driver.exec(META_DDL);
    const rows = await this.driver.query("SELECT value FROM store_meta WHERE name = 'view_version'");
    if (rows[0]?.value !== String(VIEW_VERSION)) {
      await this.driver.exec(VIEW_TABLES.map((table) => `DROP TABLE IF EXISTS ${table}`).join(';\n'));
    }
    await this.driver.exec(STORE_DDL);
    await this.driver.query(
      `INSERT INTO store_meta (name, value) VALUES ('view_version', ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      [String(VIEW_VERSION)],
    );
  }

  /** Empties the materialized view (not users, sessions or the audit log): the next ingest rebuilds it. */
  async clearView(): Promise<void> {
    await this.driver.transaction(async (tx) => {
      for (const table of VIEW_TABLES) await tx.query(`DELETE FROM ${table}`);
    });
  }

  async nextOffsets(): Promise<KafkaPos[]> {
    const rows = await this.driver.query('SELECT topic, part, next_offset FROM offsets');
    return rows.map((r) => ({
      topic: String(r.topic),
      partition: Number(r.part),
      offset: Number(r.next_offset),
    }));
  }

  applyPin(pin: PinCreated, pos: KafkaPos): Promise<void> {
    return this.driver.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO pins (pin_id, event_id, user_id, created_at, title, description, link, link_domain, image_url)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (pin_id) DO UPDATE SET event_id = excluded.event_id, user_id = excluded.user_id,
           created_at = excluded.created_at, title = excluded.title, description = excluded.description,
           link = excluded.link, link_domain = excluded.link_domain, image_url = excluded.image_url
         WHERE excluded.created_at >= pins.created_at`,
        [
          pin.pinId,
          pin.eventId,
          pin.userId,
          pin.createdAt,
          pin.title,
          pin.description,
          pin.link,
          linkDomain(pin.link),
          pin.image?.url ?? null,
        ],
      );
      await advance(tx, pos);
    });
  }

  applyLabel(label: IntegrityLabel, role: LabelRole, pos: KafkaPos): Promise<void> {
    return this.driver.transaction(async (tx) => {
      for (const s of label.signals) {
        await tx.query(
          `INSERT INTO signal_events (topic, part, record_offset, signal, pin_id, role, model, decision, reason_code, labeled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [
            pos.topic,
            pos.partition,
            pos.offset,
            s.signal,
            label.pinId,
            role,
            `${s.model.name}@${s.model.version}`,
            s.decision,
            s.reasonCode,
            label.labeledAt,
          ],
        );
      }
      const stored = await tx.query(
        'SELECT source_event_id, labeled_at, attempt FROM labels WHERE pin_id = ? AND role = ?',
        [label.pinId, role],
      );
      if (stored.length === 0 || supersedes(label, stored[0]!)) {
        await tx.query(
          `INSERT INTO labels (pin_id, role, topic, source_event_id, labeled_at, attempt, decision, signals, worker_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (pin_id, role) DO UPDATE SET topic = excluded.topic, source_event_id = excluded.source_event_id,
             labeled_at = excluded.labeled_at, attempt = excluded.attempt, decision = excluded.decision,
             signals = excluded.signals, worker_version = excluded.worker_version`,
          [
            label.pinId,
            role,
            pos.topic,
            label.sourceEventId,
            label.labeledAt,
            label.attempt,
            label.decision,
            JSON.stringify(label.signals),
            label.workerVersion,
          ],
        );
        if (role === 'primary') await this.enqueue(tx, label, pos.topic);
      }
      await advance(tx, pos);
    });
  }

  /** A verdict from the topic (pos) or just published by this console (pos undefined). */
  applyVerdict(v: ReviewVerdict, pos?: KafkaPos): Promise<void> {
    return this.driver.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO verdicts (verdict_id, pin_id, signal, verdict, reviewer_id, reviewed_at, model, decision,
           policy_version, labeled_at, label_topic, queue, inclusion_probability)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (verdict_id) DO NOTHING`,
        [
          v.verdictId,
          v.pinId,
          v.signal,
          v.verdict,
          v.reviewerId,
          v.reviewedAt,
          `${v.label.modelName}@${v.label.modelVersion}`,
          v.label.decision,
          v.label.policyVersion,
          v.label.labeledAt,
          v.label.labelTopic,
          v.queue,
          v.inclusionProbability,
        ],
      );
      await tx.query(
        `UPDATE items SET status = 'decided', decided_at = ?, claimed_by = NULL, claim_expires_at = NULL
         WHERE item_id = ? AND labeled_at = ?`,
        [v.reviewedAt, itemIdFor(v.pinId, v.signal), v.label.labeledAt],
      );
      if (pos) await advance(tx, pos);
    });
  }

  async listQueue(filter: QueueFilter = {}, now = Date.now()): Promise<QueueItem[]> {
    const where = ["i.status = 'open'"];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined) => {
      if (value === undefined || value === '') return;
      where.push(clause);
      params.push(value);
    };
    add('i.queue = ?', filter.queue);
    add('i.signal = ?', filter.signal);
    add('i.model = ?', filter.model);
    add('i.reason = ?', filter.reason);
    add('p.link_domain = ?', filter.domain);
    const order =
      filter.sort === 'score' ? 'i.top_score DESC, i.labeled_at ASC' : 'i.labeled_at ASC, i.item_id ASC';
    const rows = await this.driver.query(
      `SELECT i.*, p.title, p.description, p.link, p.link_domain, p.image_url, p.created_at
       FROM items i LEFT JOIN pins p ON p.pin_id = i.pin_id
       WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
      [...params, Math.min(filter.limit ?? 50, 500)],
    );
    return rows.map((r) => toItem(r, now));
  }

  async getItem(itemId: string, now = Date.now()): Promise<QueueItem | undefined> {
    const rows = await this.driver.query(
      `SELECT i.*, p.title, p.description, p.link, p.link_domain, p.image_url, p.created_at
       FROM items i LEFT JOIN pins p ON p.pin_id = i.pin_id WHERE i.item_id = ?`,
      [itemId],
    );
    return rows[0] && toItem(rows[0], now);
  }

  async imageUrl(pinId: string): Promise<string | undefined> {
    const rows = await this.driver.query('SELECT image_url FROM pins WHERE pin_id = ?', [pinId]);
    return (rows[0]?.image_url as string | null | undefined) ?? undefined;
  }

  /** Claims an open item for `reviewer` unless someone else holds an unexpired claim. */
  async claim(itemId: string, reviewer: string, now: number, ttlMs: number): Promise<boolean> {
    await this.driver.query(
      `UPDATE items SET claimed_by = ?, claim_expires_at = ?
       WHERE item_id = ? AND status = 'open' AND (claimed_by IS NULL OR claimed_by = ? OR claim_expires_at < ?)`,
      [reviewer, now + ttlMs, itemId, reviewer, now],
    );
    const item = await this.getItem(itemId, now);
    return item?.claimedBy === reviewer;
  }

  async release(itemId: string, reviewer: string): Promise<void> {
    await this.driver.query(
      'UPDATE items SET claimed_by = NULL, claim_expires_at = NULL WHERE item_id = ? AND claimed_by = ?',
      [itemId, reviewer],
    );
  }

  private async enqueue(tx: SqlExecutor, label: IntegrityLabel, topic: string): Promise<void> {
    for (const s of label.signals) {
      const id = itemIdFor(label.pinId, s.signal);
      const inclusion = inclusionFor(this.rates, s.decision, label.sourceEventId, s.signal);
      if (!inclusion) {
        await tx.query("DELETE FROM items WHERE item_id = ? AND status = 'open'", [id]);
        continue;
      }
      const why = this.explain(s.signal, s.policyVersion, s.scores);
      await tx.query(
        `INSERT INTO items (item_id, pin_id, signal, queue, inclusion_probability, decision, model, policy_version,
           labeled_at, label_topic, scores, top_score, reason, rule, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
         ON CONFLICT (item_id) DO UPDATE SET queue = excluded.queue,
           inclusion_probability = excluded.inclusion_probability, decision = excluded.decision,
           model = excluded.model, policy_version = excluded.policy_version, labeled_at = excluded.labeled_at,
           label_topic = excluded.label_topic, scores = excluded.scores, top_score = excluded.top_score, reason = excluded.reason,
           rule = excluded.rule
         WHERE items.status = 'open'`,
        [
          id,
          label.pinId,
          s.signal,
          inclusion.queue,
          inclusion.probability,
          s.decision,
          `${s.model.name}@${s.model.version}`,
          s.policyVersion,
          label.labeledAt,
          topic,
          JSON.stringify(s.scores),
          Math.max(0, ...Object.values(s.scores)),
          why?.reason ?? s.reasonCode,
          // the label names the rule it applied (thresholds, unscored.<CODE>, ...); the policy file
          // the console reads spells out the threshold when it is the label's version
          why?.rule ?? s.rule,
        ],
      );
    }
  }
}

/**
 * The IntegrityLabel contract's order: for one source event the higher attempt wins (a rescan's label
 * supersedes the first scan's, even when a replay republishes the older one later), then the later
 * labeled-at; across events, the later labeled-at.
 */
function supersedes(label: IntegrityLabel, stored: Row): boolean {
  if (label.sourceEventId === stored.source_event_id && label.attempt !== Number(stored.attempt)) {
    return label.attempt > Number(stored.attempt);
  }
  return label.labeledAt >= Number(stored.labeled_at);
}

async function advance(tx: SqlExecutor, pos: KafkaPos): Promise<void> {
  await tx.query(
    `INSERT INTO offsets (topic, part, next_offset) VALUES (?, ?, ?)
     ON CONFLICT (topic, part) DO UPDATE SET next_offset = excluded.next_offset
     WHERE excluded.next_offset > offsets.next_offset`,
    [pos.topic, pos.partition, pos.offset + 1],
  );
}

function toItem(r: Row, now: number): QueueItem {
  const claimExpiresAt = r.claim_expires_at === null ? null : Number(r.claim_expires_at);
  const claimed = claimExpiresAt !== null && claimExpiresAt >= now;
  return {
    itemId: String(r.item_id),
    pinId: String(r.pin_id),
    signal: String(r.signal),
    queue: r.queue as QueueItem['queue'],
    inclusionProbability: Number(r.inclusion_probability),
    decision: String(r.decision),
    model: String(r.model),
    policyVersion: String(r.policy_version),
    labeledAt: Number(r.labeled_at),
    labelTopic: String(r.label_topic),
    scores: JSON.parse(String(r.scores)) as Record<string, number>,
    topScore: Number(r.top_score ?? 0),
    reason: (r.reason as string | null) ?? null,
    rule: (r.rule as string | null) ?? null,
    status: r.status as QueueItem['status'],
    claimedBy: claimed ? ((r.claimed_by as string | null) ?? null) : null,
    claimExpiresAt: claimed ? claimExpiresAt : null,
    pin: {
      title: (r.title as string | null) ?? null,
      description: (r.description as string | null) ?? null,
      link: (r.link as string | null) ?? null,
      linkDomain: (r.link_domain as string | null) ?? null,
      hasImage: typeof r.image_url === 'string',
      createdAt: r.created_at === null || r.created_at === undefined ? null : Number(r.created_at),
    },
  };
}
