import mongoose, { type Connection } from 'mongoose';

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

