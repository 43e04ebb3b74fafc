import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { UmzugStorage } from 'umzug';
import type { SqlClient, SqlExecutor } from './client.js';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only has to be the same for every process of this app.
const MIGRATION_LOCK_KEY = 704_114_221;

/** Reads `-- up` / `-- down` sections of one migration file. */
function sections(file: string): { up: string; down: string } {
  const text = readFileSync(file, 'utf8');
  const [, up = '', down = ''] = text.split(/^--\s*(?:up|down)\s*$/im);
  return { up: up.trim(), down: down.trim() };
}

function storage(tx: SqlExecutor): UmzugStorage {
  return {
    async logMigration({ name }) {
      await tx.query('insert into schema_migrations (name) values ($1) on conflict do nothing', [name]);
    },
    async unlogMigration({ name }) {
      await tx.query('delete from schema_migrations where name = $1', [name]);
    },
    async executed() {
      const r = await tx.query<{ name: string }>('select name from schema_migrations order by name');
      return r.rows.map((x) => x.name);
    },
  };
}

/** True when every migration file is recorded as applied (read without the lock: a miss only means taking it). */
async function upToDate(db: SqlClient, files: string[]): Promise<boolean> {
  const exists = await db.query<{ t: string | null }>("select to_regclass('schema_migrations')::text as t");
  if (!exists.rows[0]?.t) return false;
  const done = new Set((await db.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name));
  return files.every((f) => done.has(f));
}

/**
 * Applies pending migrations with umzug, all in one transaction under an
 * advisory lock, so several processes starting at once migrate exactly once
 * and a failed migration leaves the schema as it was.
 */
export async function migrate(db: SqlClient): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
  if (await upToDate(db, files)) return [];
  // umzug (and its CLI dependencies, ~150 modules) loads only when there is something to apply.
  const { Umzug } = require('umzug') as typeof import('umzug');
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query('create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())');
    const umzug = new Umzug({
      migrations: files.map((f) => {
        const { up, down } = sections(path.join(MIGRATIONS_DIR, f));
        return { name: f, up: () => tx.exec(up), down: () => tx.exec(down) };
      }),
      storage: storage(tx),
      logger: undefined,
    });
    const applied = await umzug.up();
    return applied.map((m) => m.name);
  });
}
