/**
 * The little SQL the label store needs, over two engines: SQLite (libsql, embedded) and
 * PostgreSQL (pg). Statements are written once with `?` placeholders and portable types (TEXT,
 * BIGINT, DOUBLE PRECISION, `ON CONFLICT ... DO UPDATE`); the PostgreSQL driver numbers the
 * placeholders. BIGINT columns come back as numbers from both.
 */
export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export interface SqlExecutor {
  /** Runs one statement; returns its rows (empty for statements that return none). */
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs several statements separated by `;` with no parameters (schema creation). */
  exec(sql: string): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `?` -> `$1, $2, ...` (no statement of ours has a `?` inside a string literal). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
