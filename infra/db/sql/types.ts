/**
 * The one SQL surface our adapters use. PGlite (embedded) and PostgreSQL (`pg`)
 * run the very same SQL text with $n parameters.
 */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  /** Runs a multi-statement script without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * Inside `transaction(fn)`, `query` and `exec` of the client itself run on the
 * transaction's connection (an AsyncLocalStorage carries it), so repositories
 * join the caller's transaction without taking it as an argument. A nested
 * `transaction` joins the outer one. This is the SQL UnitOfWork.
 */
export interface SqlClient extends SqlExecutor {
  readonly dialect: 'pglite' | 'postgres';
  /** Run `fn` in one transaction on one connection; rolled back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** True while the caller runs inside `transaction`. */
  inTransaction(): boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}
