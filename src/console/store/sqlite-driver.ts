import Database from 'libsql';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './sql-driver.js';

/**
 * SQLite through libsql (better-sqlite3's API; its native binding is a prebuilt npm package, so
 * nothing is compiled at install: README, "Review console"). Synchronous, in process. WAL journal so readers never wait for
 * the ingest writer. Transactions are serialized by a promise chain: between the awaits of one
 * transaction no other statement may run on the connection, or it would join the transaction.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.serial(async () => this.run(sql, params));
  }

  async exec(sql: string): Promise<void> {
    await this.serial(async () => this.db.exec(sql));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work({ query: async (sql, params = []) => this.run(sql, params) });
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    this.db.close();
  }

  private run(sql: string, params: readonly SqlValue[]): Row[] {
    const statement = this.db.prepare(sql);
    if (statement.reader) return statement.all(...params) as Row[];
    statement.run(...params);
    return [];
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
