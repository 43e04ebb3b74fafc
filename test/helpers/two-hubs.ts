import { randomBytes } from 'node:crypto';
import type { Context } from 'mocha';
import { startTestApp, type TestApp } from './app.js';
import { signUpAdmin, type Session } from './identity.js';
import { spawnMain, type Spawned } from './process.js';
import { PG_URL } from './databases.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';
import { openPostgres } from '../../infra/db/sql/client.js';

export interface TwoHubs {
  redis: EmbeddedRedis;
  /** API + hub + workers, in this test process. */
  a: TestApp;
  /** A separate OS process from the real entry point, ROLE=hub. */
  b: Spawned;
  bUrl: string;
  admin: Session;
  stop(): Promise<void>;
}

/**
 * Two hub processes on one private redis-server and one PostgreSQL schema
 * (PGlite is single-process): A in this process, B spawned with ROLE=hub.
 * Call it from a `before` hook: without PostgreSQL the suite is skipped and
 * says why (`what` names it), never passes quietly.
 */
export async function startTwoHubs(ctx: Context, what: string, schemaPrefix: string): Promise<TwoHubs> {
  const schema = `${schemaPrefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  try {
    const probe = await openPostgres({ url: PG_URL, schema, max: 1 });
    await probe.close();
  } catch (err) {
    console.log(`      skipped: ${what} needs PostgreSQL at ${PG_URL} (${(err as Error).message})`);
    ctx.skip();
  }
  const redis = await startEmbeddedRedis();
  const env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, JWT_SECRET: randomBytes(32).toString('hex') };
  const a = await startTestApp({ redis, env });
  const b = spawnMain({ ...env, ROLE: 'hub', PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, DATA_DIR: a.dataDir + '-b', LOG_LEVEL: 'info' });
  const bUrl = (await b.waitFor(/(http:\/\/127\.0\.0\.1:\d+)/, 110_000))[1]!;
  const admin = await signUpAdmin(a);
  return {
    redis, a, b, bUrl, admin,
    async stop() {
      b.child.kill('SIGTERM');
      await b.exited().catch(() => b.child.kill('SIGKILL'));
      await a.stop();
      await redis.stop();
      const pg = await openPostgres({ url: PG_URL, max: 1 }).catch(() => null);
      if (pg) {
        await pg.query(`drop schema if exists ${schema} cascade`);
        await pg.close();
      }
    },
  };
}
