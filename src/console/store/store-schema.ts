/**
 * Tables of the label store, the same DDL on SQLite and PostgreSQL. Two kinds of state:
 *
 * - the materialized view of the topics (pins, labels, signal events, queue items, verdicts and the
 *   next offset per topic-partition): deleting it is safe, the ingest rebuilds it from the topics;
 * - the console's own state (users, sessions, audit log), which no topic holds.
 */
export const VIEW_TABLES = ['offsets', 'pins', 'labels', 'signal_events', 'items', 'verdicts'] as const;

/**
 * The view's layout version: a store written with another one has its view tables dropped at start
 * and rebuilt from the topics (2: labels keep their `attempt`, so a rescan's label supersedes).
 */
export const VIEW_VERSION = 2;

export const META_DDL = `CREATE TABLE IF NOT EXISTS store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`;

export const STORE_DDL = `
CREATE TABLE IF NOT EXISTS offsets (
  topic TEXT NOT NULL, part BIGINT NOT NULL, next_offset BIGINT NOT NULL,
  PRIMARY KEY (topic, part));
CREATE TABLE IF NOT EXISTS pins (
  pin_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at BIGINT NOT NULL,
  title TEXT, description TEXT, link TEXT, link_domain TEXT, image_url TEXT);
CREATE TABLE IF NOT EXISTS labels (
  pin_id TEXT NOT NULL, role TEXT NOT NULL, topic TEXT NOT NULL, source_event_id TEXT NOT NULL,
  labeled_at BIGINT NOT NULL, attempt BIGINT NOT NULL, decision TEXT NOT NULL, signals TEXT NOT NULL,
  worker_version TEXT NOT NULL, PRIMARY KEY (pin_id, role));
CREATE TABLE IF NOT EXISTS signal_events (
  topic TEXT NOT NULL, part BIGINT NOT NULL, record_offset BIGINT NOT NULL, signal TEXT NOT NULL,
  pin_id TEXT NOT NULL, role TEXT NOT NULL, model TEXT NOT NULL, decision TEXT NOT NULL,
  reason_code TEXT, labeled_at BIGINT NOT NULL,
  PRIMARY KEY (topic, part, record_offset, signal));
CREATE INDEX IF NOT EXISTS signal_events_time ON signal_events (labeled_at);
CREATE TABLE IF NOT EXISTS items (
  item_id TEXT PRIMARY KEY, pin_id TEXT NOT NULL, signal TEXT NOT NULL, queue TEXT NOT NULL,
  inclusion_probability DOUBLE PRECISION NOT NULL, decision TEXT NOT NULL, model TEXT NOT NULL,
  policy_version TEXT NOT NULL, labeled_at BIGINT NOT NULL, label_topic TEXT NOT NULL,
  scores TEXT NOT NULL, top_score DOUBLE PRECISION NOT NULL, reason TEXT, rule TEXT, status TEXT NOT NULL, claimed_by TEXT,
  claim_expires_at BIGINT, decided_at BIGINT);
CREATE INDEX IF NOT EXISTS items_open ON items (status, labeled_at);
CREATE TABLE IF NOT EXISTS verdicts (
  verdict_id TEXT PRIMARY KEY, pin_id TEXT NOT NULL, signal TEXT NOT NULL, verdict TEXT NOT NULL,
  reviewer_id TEXT NOT NULL, reviewed_at BIGINT NOT NULL, model TEXT NOT NULL, decision TEXT NOT NULL,
  policy_version TEXT NOT NULL, labeled_at BIGINT NOT NULL, label_topic TEXT NOT NULL,
  queue TEXT NOT NULL, inclusion_probability DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, reviewer_id TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
  password_hash TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (
  entry_id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT, details TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
`;
