import { AsyncLocalStorage } from 'node:async_hooks';
import mongoose, { type Connection, type Model, type Schema } from 'mongoose';
import type { UnitOfWork } from '../../../domain/shared/events.js';

// Model operations inside `connection.transaction(fn)` pick up its session without passing it.
mongoose.set('transactionAsyncLocalStorage', true);

/** Opens a dedicated mongoose connection; fails within `timeoutMs` when no server answers. */
export async function openMongo(uri: string, timeoutMs = 5_000): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    autoIndex: false, // indexes come from versioned migrations (migrate.ts), never from the schemas
  });
  await conn.asPromise();
  return conn;
}

const inTransaction = new AsyncLocalStorage<true>();

/**
 * The Mongo UnitOfWork: one session transaction (a replica set is required).
 * mongoose retries `fn` on a transient error, so `fn` must be safe to re-run;
 * a nested call joins the outer transaction.
 */
export function mongoUnitOfWork(conn: Connection): UnitOfWork {
  return {
    transaction: <T>(fn: () => Promise<T>): Promise<T> => (inTransaction.getStore() ? fn() : conn.transaction(() => inTransaction.run(true, fn))),
  };
}

/** The connection's model of that name, compiled on first use (adapters built twice on one connection share it). */
export const modelOf = <T>(conn: Connection, name: string, schema: Schema<T>): Model<T> => (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
