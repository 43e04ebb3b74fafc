import { expect } from 'chai';
import { TimeoutStrategy, timeout } from 'cockatiel';
import { io as connect, type Socket } from 'socket.io-client';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import type { RunningHub } from '../../infra/hub-system.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';

describe('resilience: Redis loss, queues and the Socket.IO cluster', function () {
  this.timeout(40_000);

  describe('when Redis goes away under a running app', () => {
    let redis: EmbeddedRedis;
    let app: TestApp;
    before(async () => {
      redis = await startEmbeddedRedis();
      app = await startTestApp({ redis });
    });
    after(async () => {
      await app?.stop();
      await redis?.stop();
    });

    it('then /ready answers 503 naming redis, /health stays 200, producers fail fast, and it recovers when Redis returns', async () => {
      const port = redis.port;
      await redis.stop();
      const ready = await http(`${app.url}/ready`);
      expect(ready.status).to.equal(503);
      expect(ready.body.error.code).to.equal('SERVICE_UNAVAILABLE');
      expect(ready.body.error.details).to.deep.equal([{ field: 'redis', reason: 'down', message: 'redis is down' }]);
      expect((await http(`${app.url}/health`)).status).to.equal(200);

      const t0 = Date.now();
      const err = await app.system.composed.container.cradle.queues
        .add('housekeeping', { task: 'outbox' }, { jobId: 'x1' })
        .then(() => null, (e: { code?: string }) => e);
      expect(err?.code).to.equal('SERVICE_UNAVAILABLE');
      expect(Date.now() - t0).to.be.lessThan(3_000);

      // a rate-limited route cannot consult Redis: it answers in the envelope, never a stack
      const limited = await http(`${app.url}/api/v1/admin/audit-log`);
      expect(limited.status).to.equal(503);
      expect(limited.body.error.code).to.equal('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(limited.body)).to.not.match(/at .*\.ts:\d+/);

      redis = await startEmbeddedRedis({ port });
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        await new Promise((res) => setTimeout(res, 200));
        status = (await http(`${app.url}/ready`)).status;
      }
      expect(status).to.equal(200);
    });
  });

  describe('when two hub processes share Redis (sharded adapter)', () => {
    let redis: EmbeddedRedis;
    let a: TestApp<RunningHub>;
    let b: TestApp<RunningHub>;
    const clients: Socket[] = [];
    before(async () => {
      redis = await startEmbeddedRedis();
      a = await startTestApp({ redis, role: 'hub' });
      b = await startTestApp({ redis, role: 'hub' });
    });
    after(async () => {
      clients.forEach((c) => c.disconnect());
      await a?.stop();
      await b?.stop();
      await redis?.stop();
    });

    it('then a room emit on hub B reaches a socket connected to hub A', async () => {
      const ioA = a.system.composed.io!;
      ioA.on('connection', (s) => void s.join('room:1'));
      const client = connect(a.url, { transports: ['websocket'], forceNew: true });
      clients.push(client);
      await new Promise<void>((res, rej) => {
        client.once('connect', () => res());
        client.once('connect_error', rej);
      });
      const got = new Promise<unknown>((res) => client.once('hello', res));
      // the adapter subscribes to the room's channel asynchronously
      let payload: unknown;
      for (let i = 0; i < 20 && payload === undefined; i++) {
        b.system.composed.io!.to('room:1').emit('hello', { from: 'B' });
        payload = await timeout(100, TimeoutStrategy.Aggressive).execute(() => got).catch(() => undefined);
      }
      expect(payload).to.deep.equal({ from: 'B' });
    });

    it('then a browser handshake from an origin outside the allowlist is refused', async () => {
      const client = connect(a.url, { transports: ['websocket'], forceNew: true, extraHeaders: { origin: 'https://evil.example' }, reconnection: false });
      clients.push(client);
      const outcome = await new Promise<string>((res) => {
        client.once('connect', () => res('connected'));
        client.once('connect_error', () => res('refused'));
      });
      expect(outcome).to.equal('refused');
    });
  });
});
