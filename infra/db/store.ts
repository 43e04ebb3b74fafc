import type { Connection } from 'mongoose';
import type { SqlClient } from './sql/client.js';

/** The production store is MongoDB; SQL (PostgreSQL or embedded PGlite) is the second implementation. */
export type Store =
  | { kind: 'sql'; engine: 'pglite' | 'postgres'; sql: SqlClient }
  | { kind: 'mongo'; engine: 'mongo'; mongo: Connection };

export interface StoreSettings {
  MONGODB_URI?: string | undefined;
  DATABASE_URL?: string | undefined;
  DB_POOL_MAX?: number;
  DATABASE_SCHEMA?: string | undefined;
  dataDir: string;
}

export async function pingStore(store: Store): Promise<void> {
  if (store.kind === 'sql') await store.sql.ping();
  else {
    const db = store.mongo.db;
    if (!db) throw new Error('mongo not connected');
    await db.admin().ping();
  }
}

export async function closeStore(store: Store): Promise<void> {
  if (store.kind === 'sql') await store.sql.close();
  else await store.mongo.close();
}
