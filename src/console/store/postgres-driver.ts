import pg from 'pg';
import {
  numberPlaceholders,
  type Row,
  type SqlDriver,
  type SqlExecutor,
  type SqlValue,
} from './sql-driver.js';

const BIGINT_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === BIGINT_OID || oid === NUMERIC_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * PostgreSQL through a pg connection pool. `schema` (optional) sets the search path of every
 * connection, so tests get a schema of their own in one database.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(url: string, options: { schema?: string; max?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      types,
      ...(options.schema && { options: `-c search_path=${options.schema}` }),
    });
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const result = await this.pool.query(numberPlaceholders(sql), params as SqlValue[]);
    return result.rows as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        query: async (sql, params = []) =>
          (await client.query(numberPlaceholders(sql), params as SqlValue[])).rows as Row[],
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
