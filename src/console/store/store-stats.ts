/** The overview's queries over the label store (read-only). */
import type { SqlDriver } from './sql-driver.js';

export interface DecisionBucket {
  bucketStart: number;
  signal: string;
  model: string;
  decision: string;
  count: number;
}

export interface VerdictSample {
  signal: string;
  model: string;
  decision: string;
  queue: string;
  verdict: string;
  inclusionProbability: number;
}

export class StoreStats {
  constructor(private readonly driver: SqlDriver) {}

  /** Primary signal decisions per time bucket (all label records, superseded ones included). */
  async decisionsOverTime(bucketMs: number, since: number): Promise<DecisionBucket[]> {
    const rows = await this.driver.query(
      `SELECT labeled_at - (labeled_at % ?) AS bucket_start, signal, model, decision, COUNT(*) AS n
       FROM signal_events WHERE role = 'primary' AND labeled_at >= ?
       GROUP BY bucket_start, signal, model, decision ORDER BY bucket_start`,
      [bucketMs, since],
    );
    return rows.map((r) => ({
      bucketStart: Number(r.bucket_start),
      signal: String(r.signal),
      model: String(r.model),
      decision: String(r.decision),
      count: Number(r.n),
    }));
  }

  /** Latest primary decision counts per signal and model@version: the populations the audit estimates scale to. */
  async decisionCounts(): Promise<{ signal: string; model: string; decision: string; count: number }[]> {
    const rows = await this.driver.query(
      `SELECT e.signal, e.model, e.decision, COUNT(*) AS n FROM signal_events e
       JOIN labels l ON l.pin_id = e.pin_id AND l.role = 'primary' AND l.topic = e.topic AND l.labeled_at = e.labeled_at
       WHERE e.role = 'primary' GROUP BY e.signal, e.model, e.decision`,
    );
    return rows.map((r) => ({
      signal: String(r.signal),
      model: String(r.model),
      decision: String(r.decision),
      count: Number(r.n),
    }));
  }

  async unscoredReasons(): Promise<{ signal: string; reason: string; count: number }[]> {
    const rows = await this.driver.query(
      `SELECT signal, COALESCE(reason_code, 'none') AS reason, COUNT(*) AS n FROM signal_events
       WHERE role = 'primary' AND decision = 'UNSCORED' GROUP BY signal, reason ORDER BY n DESC`,
    );
    return rows.map((r) => ({ signal: String(r.signal), reason: String(r.reason), count: Number(r.n) }));
  }

  /** Link domains of pins whose latest primary label is REVIEW or BLOCK. */
  async topFlaggedDomains(limit = 10): Promise<{ domain: string; count: number }[]> {
    const rows = await this.driver.query(
      `SELECT p.link_domain AS domain, COUNT(*) AS n FROM labels l JOIN pins p ON p.pin_id = l.pin_id
       WHERE l.role = 'primary' AND l.decision IN ('REVIEW', 'BLOCK') AND p.link_domain IS NOT NULL
       GROUP BY p.link_domain ORDER BY n DESC, domain LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({ domain: String(r.domain), count: Number(r.n) }));
  }

  async verdicts(): Promise<VerdictSample[]> {
    const rows = await this.driver.query(
      'SELECT signal, model, decision, queue, verdict, inclusion_probability FROM verdicts',
    );
    return rows.map((r) => ({
      signal: String(r.signal),
      model: String(r.model),
      decision: String(r.decision),
      queue: String(r.queue),
      verdict: String(r.verdict),
      inclusionProbability: Number(r.inclusion_probability),
    }));
  }

  /** Per non-primary topic: pins labeled by both, and how many got the same overall decision. */
  async shadowAgreement(): Promise<{ role: string; topic: string; pins: number; agree: number }[]> {
    const rows = await this.driver.query(
      `SELECT s.role, s.topic, COUNT(*) AS pins, SUM(CASE WHEN s.decision = p.decision THEN 1 ELSE 0 END) AS agree
       FROM labels s JOIN labels p ON p.pin_id = s.pin_id AND p.role = 'primary'
       WHERE s.role <> 'primary' GROUP BY s.role, s.topic`,
    );
    return rows.map((r) => ({
      role: String(r.role),
      topic: String(r.topic),
      pins: Number(r.pins),
      agree: Number(r.agree),
    }));
  }

  async openItems(): Promise<{ queue: string; count: number }[]> {
    const rows = await this.driver.query(
      "SELECT queue, COUNT(*) AS n FROM items WHERE status = 'open' GROUP BY queue",
    );
    return rows.map((r) => ({ queue: String(r.queue), count: Number(r.n) }));
  }
}
