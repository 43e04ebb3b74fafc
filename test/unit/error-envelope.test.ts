import { expect } from 'chai';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mongo } from 'mongoose';
import pino from 'pino';
import { errorEnvelope } from '../../api/middleware/errors.js';

/** The one place an error becomes a response, served by a real Koa app on port 0. */
describe('error envelope: write conflicts the database gave up retrying', () => {
  let server: Server;
  let url: string;
  let next: () => unknown;
  before(async () => {
    const app = new Koa();
    app.use(errorEnvelope(pino({ level: 'silent' })));
    app.use(() => {
      throw next();
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  const call = async (err: () => unknown) => {
    next = err;
    const res = await fetch(url);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error: { code: string; details?: { reason?: string }[] } } };
  };

  it('when a MongoDB TransientTransactionError escapes (the driver stopped retrying), then 503 SERVICE_UNAVAILABLE with Retry-After, not INTERNAL_ERROR', async () => {
    const r = await call(() => new mongo.MongoServerError({ code: 112, codeName: 'WriteConflict', errmsg: 'WriteConflict error', errorLabels: ['TransientTransactionError'] }));
    expect([r.status, r.retryAfter, r.body.error.code, r.body.error.details?.[0]?.reason]).to.deep.equal([503, '1', 'SERVICE_UNAVAILABLE', 'write_conflict']);
  });

  it('when PostgreSQL reports a serialization failure or a deadlock, then the same 503', async () => {
    for (const code of ['40001', '40P01']) {
      const r = await call(() => Object.assign(new Error('could not serialize access'), { code }));
      expect([r.status, r.body.error.code]).to.deep.equal([503, 'SERVICE_UNAVAILABLE']);
    }
  });

  it('when any other error escapes, then 500 INTERNAL_ERROR with no details', async () => {
    const r = await call(() => Object.assign(new Error('boom'), { code: 112 }));
    expect([r.status, r.retryAfter, r.body.error.code, r.body.error.details]).to.deep.equal([500, null, 'INTERNAL_ERROR', undefined]);
  });
});
