/**
 * The console's own state in the store's database: accounts, login sessions and the audit log.
 * Session tokens are stored as their sha256 only, so a copy of the database logs nobody in.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IntegrityError } from '../../errors.js';
import type { SqlDriver } from './sql-driver.js';
import type { AuditEntry, SessionRow, UserRow } from './store-types.js';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export class AccountStore {
  constructor(private readonly driver: SqlDriver) {}

  /** Adds an account; IW_CONSOLE_USER_EXISTS when the name is taken. */
  async addUser(user: Omit<UserRow, 'reviewerId'>, now = Date.now()): Promise<UserRow> {
    if (await this.findUser(user.username)) {
      throw new IntegrityError('IW_CONSOLE_USER_EXISTS', `user ${user.username} exists`, {
        details: { username: user.username },
      });
    }
    // Pseudonymous: verdicts carry this id, never the login name.
    const reviewerId = `r-${randomBytes(8).toString('hex')}`;
    await this.driver.query(
      'INSERT INTO users (username, reviewer_id, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      [user.username, reviewerId, user.role, user.passwordHash, now],
    );
    return { ...user, reviewerId };
  }

  async findUser(username: string): Promise<UserRow | undefined> {
    const [r] = await this.driver.query(
      'SELECT username, reviewer_id, role, password_hash FROM users WHERE username = ?',
      [username],
    );
    return (
      r && {
        username: String(r.username),
        reviewerId: String(r.reviewer_id),
        role: r.role as UserRow['role'],
        passwordHash: String(r.password_hash),
      }
    );
  }

  /** A new session: returns the cookie token (never stored) and its CSRF token. */
  async createSession(username: string, ttlMs: number, now = Date.now()) {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    await this.driver.query(
      'INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [tokenHash(token), username, csrfToken, now, now + ttlMs],
    );
    return { token, csrfToken };
  }

  async session(token: string, now = Date.now()): Promise<SessionRow | undefined> {
    const [r] = await this.driver.query(
      `SELECT s.username, s.csrf_token, s.expires_at, u.role, u.reviewer_id FROM sessions s
       JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ?`,
      [tokenHash(token), now],
    );
    return (
      r && {
        username: String(r.username),
        csrfToken: String(r.csrf_token),
        expiresAt: Number(r.expires_at),
        role: r.role as SessionRow['role'],
        reviewerId: String(r.reviewer_id),
      }
    );
  }

  async deleteSession(token: string): Promise<void> {
    await this.driver.query('DELETE FROM sessions WHERE token_hash = ?', [tokenHash(token)]);
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.driver.query(
      'INSERT INTO audit_log (entry_id, at, actor, action, target, details) VALUES (?, ?, ?, ?, ?, ?)',
      [randomUUID(), entry.at, entry.actor, entry.action, entry.target, JSON.stringify(entry.details)],
    );
  }

  async auditLog(limit = 200): Promise<AuditEntry[]> {
    const rows = await this.driver.query(
      'SELECT at, actor, action, target, details FROM audit_log ORDER BY at DESC, entry_id LIMIT ?',
      [limit],
    );
    return rows.map((r) => ({
      at: Number(r.at),
      actor: String(r.actor),
      action: String(r.action),
      target: (r.target as string | null) ?? null,
      details: JSON.parse(String(r.details)) as Record<string, unknown>,
    }));
  }
}
