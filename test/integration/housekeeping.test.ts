import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { queuePrefix } from '../../infra/queues.js';
import { HOUSEKEEPING_TASKS } from '../../workers/queues.js';
import { auditEntryEvent } from '../../domain/platform/events.js';

async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('housekeeping: repeatable purge jobs in the worker role', function () {
  this.timeout(60_000);
  let app: TestApp;
  let queue: Queue;
  let connection: Redis;
  before(async () => {
    app = await startTestApp({ role: 'all' });
    // BullMQ does not close a connection it was handed: the test closes its own, or it keeps
    // reconnecting to the stopped redis-server for the rest of the run.
    connection = new Redis(app.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('housekeeping', { connection, prefix: queuePrefix('daraa:', 'housekeeping') });
  });
  after(async () => {
    await queue?.close();
    connection?.disconnect();
    await app?.stop();
  });

  it('when the worker starts, then each purge has one repeatable schedule', async () => {
    await until(async () => (await queue.getJobSchedulers()).length === HOUSEKEEPING_TASKS.length, 15_000, 'the schedules');
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).to.deep.equal(HOUSEKEEPING_TASKS.map((t) => `housekeeping:${t}`).sort());
    expect(schedulers.every((s) => Number(s.every) > 0)).to.equal(true);
  });

  it('when a purge job runs, then long-expired sessions, refresh tokens, OTP challenges, long-published outbox rows and day-old idempotency keys go, and live ones stay', async () => {
    const c = app.system.composed.container.cradle;
    const old = new Date('2020-01-01T00:00:00.000Z');
    const future = new Date(Date.now() + 86_400_000);
    const session = (expiresAt: Date) => ({ id: randomUUID(), accountId: 'acc-hk', createdAt: old, expiresAt, revokedAt: null, revokedReason: null, ip: null, userAgent: null });
    const [deadSession, liveSession] = [session(old), session(future)];
    await c.sessions.createSession(deadSession);
    await c.sessions.createSession(liveSession);
    const token = { tokenHash: randomUUID().replace(/-/g, ''), sessionId: deadSession.id, accountId: 'acc-hk', issuedAt: old, expiresAt: old, usedAt: null };
    await c.sessions.addRefreshToken(token);
    const otp = { id: randomUUID(), accountId: randomUUID(), purpose: 'verify_phone' as const, codeHash: 'h', createdAt: old, expiresAt: old, attempts: 0, maxAttempts: 5, consumedAt: null };
    await c.otps.create(otp);
    const [event] = await c.outbox.add([auditEntryEvent({ id: `hk-${randomUUID()}`, actor: { id: null, role: 'system' }, action: 'system.hk_test', resource: { type: 'process' } }, old)]);
    await until(async () => (await c.outbox.unpublished(100)).every((e) => e.id !== event!.id), 15_000, 'the relay to publish the event');
    const { sql } = c.store as Extract<typeof c.store, { kind: 'sql' }>;
    await sql.query('update outbox set published_at = $2 where id = $1', [event!.id, old.toISOString()]);

    const idemClaim = (key: string, createdAt: Date) => ({ scope: 'acc-hk POST /api/v1/checkout', key, fingerprint: 'f', claimToken: randomUUID(), lockedUntil: createdAt, createdAt });
    await c.idempotencyKeys.claim(idemClaim('hk-old', old), old);
    await c.idempotencyKeys.claim(idemClaim('hk-fresh', new Date()), new Date());

    for (const task of HOUSEKEEPING_TASKS) await c.queues.add('housekeeping', { task }, { jobId: `hk-now-${task}-${randomUUID()}` });
    await until(async () => (await c.sessions.findSession(deadSession.id)) === null, 15_000, 'the session purge');
    await until(async () => (await c.sessions.findRefreshToken(token.tokenHash)) === null, 15_000, 'the refresh token purge');
    await until(async () => (await sql.query('select 1 from otp_challenges where id = $1', [otp.id])).rowCount === 0, 15_000, 'the OTP purge');
    await until(async () => (await sql.query('select 1 from outbox where id = $1', [event!.id])).rowCount === 0, 15_000, 'the outbox purge');
    await until(async () => (await c.idempotencyKeys.find('acc-hk POST /api/v1/checkout', 'hk-old')) === null, 15_000, 'the idempotency key purge');
    expect(await c.idempotencyKeys.find('acc-hk POST /api/v1/checkout', 'hk-fresh')).to.not.equal(null);
    expect(await c.sessions.findSession(liveSession.id)).to.deep.equal(liveSession);
  });
});
