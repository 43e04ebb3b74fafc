import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { z } from 'zod';
import type { Redis } from 'ioredis';
import { createApp } from '../../../api/app.js';
import { defineRoute, roles, type RouteSpec } from '../../../api/route-kit.js';
import { AppError } from '../../../domain/shared/errors.js';
import { AccessTokens } from '../../../infra/jwt.js';
import { Metrics } from '../../../infra/metrics.js';
import { Tracing } from '../../../infra/tracing.js';
import { createRepositories } from '../../../infra/db/index.js';
import { forEachBackend } from '../../helpers/databases.js';
import { http as call } from '../../helpers/app.js';
import { startTestRedis, redisClient, uniquePrefix } from '../../helpers/redis.js';
import type { EmbeddedRedis } from '../../../infra/embedded-redis.js';

const JWT = { JWT_SECRET: 'idempotency-test-secret-at-least-32-chars!!', JWT_ISSUER: 'daraa', JWT_AUDIENCE: 'daraa-api', ACCESS_TOKEN_TTL_S: 900 };
const tokens = new AccessTokens(JWT);
const tokenOf = (sub: string) => tokens.sign({ sub, role: 'customer', perms: [], sid: `s-${sub}` }).token;

/**
 * A real app (createApp: the whole middleware chain, the real guard, the real repository on each
 * backend) with one fixture route whose work can be counted, slowed and made to fail: the
 * checkout route proves the same over the full product in its own test.
 */
function fixtureRoutes(work: { runs: Map<string, number>; failNext: Set<string> }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post', path: '/api/v1/fixtures/things', summary: 'fixture', tags: ['test'], access: roles('customer'), idempotency: 'required', status: 201,
      body: z.strictObject({ name: z.string(), delayMs: z.number().int().min(0).max(2_000).default(0), extra: z.record(z.string(), z.unknown()).optional() }),
      response: z.object({ id: z.string(), run: z.number() }),
      async handler({ body, ctx }) {
        const run = (work.runs.get(body.name) ?? 0) + 1;
        work.runs.set(body.name, run);
        await new Promise((r) => setTimeout(r, body.delayMs));
        if (work.failNext.delete(body.name)) throw new Error('the database went away');
        if (body.name.startsWith('refuse')) throw new AppError('CONFLICT', 'refused by the domain');
        const id = randomUUID();
        ctx.set('Location', `/api/v1/fixtures/things/${id}`);
        return { id, run };
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/fixtures/other', summary: 'fixture', tags: ['test'], access: roles('customer'), idempotency: 'optional',
      body: z.strictObject({ name: z.string() }), response: z.object({ name: z.string() }),
      handler: async ({ body }) => ({ name: body.name }),
    }),
  ];
}

forEachBackend('Idempotency-Key over HTTP', (ctx) => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let server: http.Server;
  let url: string;
  const now = { t: Date.now() };
  const work = { runs: new Map<string, number>(), failNext: new Set<string>() };

  before(async function () {
    this.timeout(30_000);
    redisServer = await startTestRedis();
    redis = redisClient(redisServer.url);
    const config = { CORS_ORIGINS: [], BODY_LIMIT_KB: 100, TRUST_PROXY: false, RATE_LIMIT_ANON_PER_MIN: 100_000, RATE_LIMIT_AUTH_PER_MIN: 100_000, RATE_LIMIT_STRICT_PER_15MIN: 100_000 };
    const { app } = createApp({
      config, logger: pino({ level: 'silent' }), metrics: new Metrics('api'), tracing: new Tracing('idempotency-test'), redis, keyPrefix: uniquePrefix('idem'),
      accessTokens: tokens, readiness: async () => ({}), originAllowed: () => false, routes: fixtureRoutes(work),
      idempotencyKeys: createRepositories(ctx.store).idempotencyKeys, clock: { now: () => new Date(now.t) },
    });
    server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (server) await new Promise((r) => server.close(r));
    redis?.disconnect();
    await redisServer?.stop();
  });

  const post = (token: string, key: string | undefined, json: unknown, path = '/api/v1/fixtures/things') =>
    call(`${url}${path}`, { method: 'POST', token, json, headers: key === undefined ? {} : { 'Idempotency-Key': key } });

  it('when no Idempotency-Key is sent to a route that requires one, then 400 IDEMPOTENCY_KEY_REQUIRED and the work never runs', async () => {
    const r = await post(tokenOf('a1'), undefined, { name: 'no-key' });
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('IDEMPOTENCY_KEY_REQUIRED');
    expect(r.body.error.details[0]).to.deep.include({ field: 'headers.idempotency-key', reason: 'missing' });
    expect(work.runs.get('no-key')).to.equal(undefined);
  });

  it('when the key is malformed (too long or with spaces), then 400 VALIDATION_ERROR names the header', async () => {
    for (const key of ['x'.repeat(256), 'has space', 'tab\there']) {
      const r = await post(tokenOf('a1'), key, { name: 'bad-key' });
      expect(r.status, key).to.equal(400);
      expect(r.body.error.details[0].field).to.equal('headers.idempotency-key');
    }
    expect(work.runs.get('bad-key')).to.equal(undefined);
  });

  it('when a request is retried with the same key and body, then the first answer comes back with Idempotent-Replayed: true and the work ran once', async () => {
    const key = randomUUID();
    const first = await post(tokenOf('a1'), key, { name: 'replay', extra: { b: 1, a: [1, 2] } });
    expect(first.status).to.equal(201);
    expect(first.headers.get('idempotent-replayed')).to.equal(null);
    const again = await post(tokenOf('a1'), key, { extra: { a: [1, 2], b: 1 }, name: 'replay' }); // same body, keys in another order
    expect(again.status).to.equal(201);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(again.body).to.deep.equal(first.body);
    expect(again.headers.get('location')).to.equal(first.headers.get('location'));
    expect(work.runs.get('replay')).to.equal(1);
  });

  it('when the same key comes with a different body, then 422 IDEMPOTENCY_KEY_REUSED and the work does not run again', async () => {
    const key = randomUUID();
    await post(tokenOf('a1'), key, { name: 'reuse' });
    const r = await post(tokenOf('a1'), key, { name: 'reuse', extra: { more: true } });
    expect(r.status).to.equal(422);
    expect(r.body.error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    expect(work.runs.get('reuse')).to.equal(1);
  });

  it('when two callers use the same key, then each gets their own answer (keys are scoped per caller)', async () => {
    const key = randomUUID();
    const a = await post(tokenOf('a1'), key, { name: 'scoped' });
    const b = await post(tokenOf('b1'), key, { name: 'scoped' });
    expect([a.status, b.status]).to.deep.equal([201, 201]);
    expect(b.headers.get('idempotent-replayed')).to.equal(null);
    expect(b.body.data.id).to.not.equal(a.body.data.id);
  });

  it('when 40 identical requests race while the first is in flight, then the work runs once; the others get 409 IDEMPOTENCY_KEY_IN_USE with Retry-After or the replay', async () => {
    const key = randomUUID();
    const token = tokenOf('racer');
    const all = await Promise.all(Array.from({ length: 40 }, () => post(token, key, { name: 'race', delayMs: 300 })));
    expect(work.runs.get('race')).to.equal(1);
    const created = all.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
    expect(created).to.have.length(1);
    for (const r of all.filter((x) => x !== created[0])) {
      if (r.status === 409) {
        expect(r.body.error.code).to.equal('IDEMPOTENCY_KEY_IN_USE');
        expect(r.headers.get('retry-after')).to.equal('1');
      } else {
        expect(r.status).to.equal(201);
        expect(r.body).to.deep.equal(created[0]!.body);
      }
    }
    const later = await post(token, key, { name: 'race', delayMs: 300 });
    expect(later.headers.get('idempotent-replayed')).to.equal('true');
    expect(later.body).to.deep.equal(created[0]!.body);
  });

  it('when the first attempt fails with a 5xx, then it is not stored: the retry runs the work again and its success is what replays', async () => {
    const key = randomUUID();
    work.failNext.add('flaky');
    const first = await post(tokenOf('a1'), key, { name: 'flaky' });
    expect(first.status).to.equal(500);
    const retry = await post(tokenOf('a1'), key, { name: 'flaky' });
    expect(retry.status).to.equal(201);
    expect(retry.headers.get('idempotent-replayed')).to.equal(null);
    expect(retry.body.data.run).to.equal(2);
    expect((await post(tokenOf('a1'), key, { name: 'flaky' })).body).to.deep.equal(retry.body);
  });

  it('when the first attempt is refused with a coded 4xx, then the key is released and the same key may carry a corrected request', async () => {
    const key = randomUUID();
    const refused = await post(tokenOf('a1'), key, { name: 'refuse-1' });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('CONFLICT');
    const corrected = await post(tokenOf('a1'), key, { name: 'accepted-after-refusal' });
    expect(corrected.status).to.equal(201);
  });

  it('when the request holding a key outlives its lock (its process died, as far as anyone can tell), then a retry of the same request takes the key over and runs', async () => {
    const key = randomUUID();
    const body = { name: 'orphan', delayMs: 600 };
    const holder = post(tokenOf('a1'), key, body);
    await new Promise((r) => setTimeout(r, 200));
    expect((await post(tokenOf('a1'), key, body)).status, 'while the lock holds').to.equal(409);
    now.t += 61_000; // past the 60 s lock
    const retry = await post(tokenOf('a1'), key, body);
    expect(retry.status).to.equal(201);
    expect(retry.body.data.run).to.equal(2);
    expect((await holder).status, 'the first still answers its own client').to.equal(201);
    const replay = await post(tokenOf('a1'), key, body);
    expect(replay.body, 'the claim that took over is the one stored').to.deep.equal(retry.body);
  });

  it('when a route makes the key optional, then requests without one run every time and requests with one are deduplicated', async () => {
    const a = await post(tokenOf('a1'), undefined, { name: 'o' }, '/api/v1/fixtures/other');
    const b = await post(tokenOf('a1'), undefined, { name: 'o' }, '/api/v1/fixtures/other');
    expect([a.status, b.status, b.headers.get('idempotent-replayed')]).to.deep.equal([200, 200, null]);
    const key = randomUUID();
    await post(tokenOf('a1'), key, { name: 'o' }, '/api/v1/fixtures/other');
    expect((await post(tokenOf('a1'), key, { name: 'o' }, '/api/v1/fixtures/other')).headers.get('idempotent-replayed')).to.equal('true');
  });

});
