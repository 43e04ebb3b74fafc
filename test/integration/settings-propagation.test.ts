import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';
import { openPostgres } from '../../infra/db/sql/client.js';
import { spawnMain, type Spawned } from '../helpers/process.js';
import { PG_URL } from '../helpers/databases.js';

const JWT_SECRET = randomBytes(32).toString('hex');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Polls `read` every 10 ms until `done` holds; answers the milliseconds it took. */
async function timeUntil(read: () => Promise<unknown>, done: (v: unknown) => boolean, deadlineMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (done(await read())) return Math.round(performance.now() - started);
    if (performance.now() - started > deadlineMs) throw new Error(`not seen within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A change made through one process is served by the others without a restart.
 * A (API, worker, hub) takes the change; B is a separate OS process started
 * from the real entry point with ROLE=api and a poll so slow (60 s) that only
 * the Redis notice can explain a fast arrival; C, in this process, polls every
 * 500 ms and is used to show the poll alone catches a change no notice announced.
 * They share one redis-server and one PostgreSQL schema (PGlite is single-process).
 */
describe('settings reach every process without a restart', function () {
  this.timeout(120_000);
  let redis: EmbeddedRedis;
  let a: TestApp;
  let c: TestApp;
  let b: Spawned;
  let bUrl: string;
  let schema: string;

  before(async function () {
    schema = `settings_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    try {
      const probe = await openPostgres({ url: PG_URL, schema, max: 1 });
      await probe.close();
    } catch (err) {
      console.log(`      skipped: the multi-process settings test needs PostgreSQL at ${PG_URL} (${(err as Error).message})`);
      this.skip();
    }
    redis = await startEmbeddedRedis();
    const env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, JWT_SECRET };
    a = await startTestApp({ redis, env });
    b = spawnMain({ ...env, ROLE: 'api', PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, DATA_DIR: `${a.dataDir}-b`, LOG_LEVEL: 'info', SETTINGS_REFRESH_MS: '60000' });
    bUrl = (await b.waitFor(/(http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1]!;
    c = await startTestApp({ redis, role: 'api', env: { ...env, SETTINGS_REFRESH_MS: '500' } });
  });
  after(async () => {
    if (b) {
      b.child.kill('SIGTERM');
      await b.exited().catch(() => b.child.kill('SIGKILL'));
    }
    await c?.stop();
    await a?.stop();
    await redis?.stop();
    const pg = await openPostgres({ url: PG_URL, max: 1 }).catch(() => null);
    if (pg) {
      await pg.query(`drop schema if exists ${schema} cascade`);
      await pg.close();
    }
  });

  const publicOf = async (url: string) => (await http(`${url}/api/v1/settings`)).body?.data as Record<string, unknown>;

  it('when an admin changes the fee bands on A, then B (another OS process, 60 s poll) serves them within a second, carried by the Redis notice', async () => {
    const bands = [{ upToMeters: 3000, feeMinor: 60000 }, { upToMeters: 8000, feeMinor: 120000 }];
    expect((await publicOf(bUrl))['delivery.feeBands']).to.deep.equal([{ upToMeters: 2000, feeMinor: 50000 }, { upToMeters: 5000, feeMinor: 100000 }, { upToMeters: 10000, feeMinor: 150000 }]);
    const token = a.token('admin', 'prop-admin', ['settings:read', 'settings:write']);
    const committed = performance.now();
    const r = await http(`${a.url}/api/v1/admin/settings/delivery.feeBands`, { method: 'PUT', token, json: { value: bands, expectedVersion: 0 } });
    expect(r.status).to.equal(200);
    const putMs = Math.round(performance.now() - committed);
    const ms = await timeUntil(() => publicOf(bUrl), (v) => JSON.stringify((v as Record<string, unknown>)['delivery.feeBands']) === JSON.stringify(bands), 5_000);
    const total = Math.round(performance.now() - committed);
    console.log(`      measured: PUT answered in ${putMs} ms; process B served the change ${ms} ms after that, ${total} ms after the PUT was sent (load average ${loadavg()})`);
    expect(ms, 'far below the 60 s poll: the notice carried it').to.be.below(1_000);
    const scraped = (await http(`${bUrl}/metrics`)).body as string;
    expect(scraped).to.match(/^settings_version\{key="delivery\.feeBands",role="api"\} 1$/m);
    expect(scraped).to.match(/^settings_version\{key="currency",role="api"\} 0$/m);
  });

  it('when a change lands with no notice (as if it were lost), then C picks it up by its poll within its interval', async () => {
    // Written straight through the repository: no notice is published, only the poll can find it.
    const settings = a.system.composed.container.cradle.settings;
    const current = await settings.find('currency');
    expect(current).to.equal(null);
    const wrote = performance.now();
    expect(await settings.apply({ key: 'currency', version: 1, value: 'USD', previousValue: 'SYP', updatedAt: new Date(), updatedBy: 'test', reason: 'lost notice' })).to.equal(true);
    const ms = await timeUntil(() => publicOf(c.url), (v) => (v as Record<string, unknown>).currency === 'USD', 5_000);
    console.log(`      measured: with no notice, process C (500 ms poll) served the change ${Math.round(performance.now() - wrote)} ms after the write (load average ${loadavg()})`);
    expect(ms).to.be.below(2_500);
    expect((await publicOf(bUrl)).currency, 'B, polling every 60 s and told nothing, still serves the old value').to.equal('SYP');
  });

  it('when a stored value fails its schema (a row written by hand), then every process keeps serving the last good value', async () => {
    const settings = a.system.composed.container.cradle.settings;
    expect(await settings.apply({ key: 'vat.rateBps', version: 1, value: 99_999, previousValue: 0, updatedAt: new Date(), updatedBy: 'test', reason: null })).to.equal(true);
    await c.system.composed.container.cradle.liveSettings.refresh();
    await new Promise((r) => setTimeout(r, 700)); // past C's poll too
    expect((await publicOf(c.url))['vat.rateBps']).to.equal(0);
    expect(c.system.composed.container.cradle.liveSettings.version('vat.rateBps')).to.equal(0);
  });
});
