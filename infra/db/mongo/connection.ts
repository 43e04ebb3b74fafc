import mongoose, { type Connection } from 'mongoose';

/** Opens a dedicated mongoose connection; fails within `timeoutMs` when no server answers. */
export async function openMongo(uri: string, timeoutMs = 5_000): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    autoIndex: false, // indexes are created explicitly at start-up (ensureMongoIndexes)
  });
  await conn.asPromise();
  return conn;
}

/** Creates the declared indexes of every model on this connection. */
export async function ensureMongoIndexes(conn: Connection): Promise<void> {
  await Promise.all(Object.values(conn.models).map((m) => m.createIndexes()));
}
