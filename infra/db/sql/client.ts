import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

export type { SqlClient, SqlExecutor } from './types.js';
import type { SqlClient, SqlExecutor } from './types.js';

/**
 * PGlite's two WebAssembly modules (the server and initdb), compiled once per
 * process: a process that opens several embedded databases (the test suite,
 * a tool) does not compile them again for each. Undefined when the files are
 * not where the package keeps them; PGlite then loads them itself.
 */
type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
const { WebAssembly: Wasm } = globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule } };
let modules: { pgliteWasmModule: WasmModule; initdbWasmModule: WasmModule } | null | undefined;
function compiledModules() {
  if (modules !== undefined) return modules ?? undefined;
  try {
    const dist = path.dirname(require.resolve('@electric-sql/pglite'));
    modules = {
      pgliteWasmModule: new Wasm.Module(readFileSync(path.join(dist, 'pglite.wasm'))),
      initdbWasmModule: new Wasm.Module(readFileSync(path.join(dist, 'initdb.wasm'))),
    };
  } catch {
    modules = null;
  }
  return modules ?? undefined;
}

export interface PgliteOptions {
  /**
   * The data directory to start from when `dataDir` holds no database yet (or
   * is memory): a tarball from `PgliteClient.dump()`, which skips initdb and
   * whatever the dumped database had applied (its migrations). Ignored for a
   * directory that already holds a database.
   */
  template?: Blob;
}

/** The embedded client, which can also dump its whole data directory (a template for `openPglite`). */
export interface PgliteClient extends SqlClient {
  dump(): Promise<Blob>;
}

export async function openPglite(dataDir?: string, opts: PgliteOptions = {}): Promise<PgliteClient> {
  const fresh = !dataDir || dataDir.startsWith('memory://') || !existsSync(path.join(dataDir, 'PG_VERSION'));
  const db = await PGlite.create(dataDir ?? 'memory://', {
    ...compiledModules(),
    ...(fresh && opts.template ? { loadDataDir: opts.template } : {}),
  });
  const current = new AsyncLocalStorage<SqlExecutor>();
  // PGlite is single-connection: serialise transactions so statements of two
  // concurrent transactions never interleave on the one session.
  let chain: Promise<unknown> = Promise.resolve();
  const run = async <T>(text: string, params?: unknown[]) => {
    const r = await db.query<T>(text, params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  };
  return {
    dialect: 'pglite',
    // A statement inside a transaction must not wait on the chain: the chain waits on that transaction.
    query: async <T>(text: string, params?: unknown[]) => {
      const tx = current.getStore();
      if (tx) return tx.query<T>(text, params);
      await chain.catch(() => undefined);
      return run<T>(text, params);
    },
    exec: async (script: string) => {
      const tx = current.getStore();
      if (tx) return tx.exec(script);
      await chain.catch(() => undefined);
      await db.exec(script);
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const outer = current.getStore();
      if (outer) return fn(outer);
      const next = chain.catch(() => undefined).then(() => db.transaction(async (tx) => {
        const executor: SqlExecutor = {
          query: async <R>(text: string, params?: unknown[]) => {
            const r = await tx.query<R>(text, params);
            return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
          },
          exec: async (script: string) => void (await tx.exec(script)),
        };
        return current.run(executor, () => fn(executor));
      }));
      chain = next;
      return next;
    },
    inTransaction: () => current.getStore() !== undefined,
    async dump() {
      await chain.catch(() => undefined);
      const file = await db.dumpDataDir('none');
      return file;
    },
    async ping() {
      await db.query('select 1');
    },
    async close() {
      await chain.catch(() => undefined);
      await db.close();
    },
  };
}

// PostgreSQL lives in its own module so a process on PostgreSQL never loads PGlite (the hub role).
export { openPostgres, type PostgresOptions } from './postgres.js';
