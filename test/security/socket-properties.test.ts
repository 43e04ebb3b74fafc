import { expect } from 'chai';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import { connect, verifiedCourier } from '../helpers/hub.js';
import { ACK_CODES, PROTOCOL } from '../../server/protocol.js';
import { keysOf, nastyString, nastyValue, objectOf } from './fuzz-arbitraries.js';

const RUNS_PER_EVENT = 60;
type Nsp = keyof typeof PROTOCOL;

/**
 * Walks the socket protocol (server/protocol.ts, the same catalogue the
 * handlers and docs/asyncapi.yaml come from), so an event added later is
 * probed without touching this test. Every message with an ack callback gets
 * a coded ack, never INTERNAL_ERROR, and the socket stays connected.
 */
describe('security: property test over every socket event', function () {
  this.timeout(120_000);
  let app: TestApp;
  const sessions = {} as Record<Nsp, Session>;
  const open: Socket[] = [];

  before(async () => {
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    sessions['/courier'] = await verifiedCourier(app, admin);
    sessions['/customer'] = await signUp(app, 'customer');
    sessions['/ops'] = admin;
  });
  after(async () => {
    open.splice(0).forEach((s) => s.close());
    await app?.stop();
  });

  /** A fresh socket of the namespace's role (a courier online, so fixes reach the index). */
  async function fresh(nsp: Nsp): Promise<Socket> {
    const s = await connect(app.url, nsp, sessions[nsp].accessToken);
    open.push(s);
    if (nsp === '/courier') await s.timeout(5_000).emitWithAck('courier:online', { vehicle: 'car' });
    return s;
  }

  const args = (payloadKeys: string[]) =>
    fc.oneof(
      { weight: 4, arbitrary: objectOf(payloadKeys).map((p) => [p]) },
      { weight: 2, arbitrary: nastyValue.map((v) => [v]) },
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(nastyValue, { minLength: 2, maxLength: 3 }) },
    );

  it('when any event of any namespace (and unknown ones) gets arbitrary payloads, then every ack is coded, never INTERNAL_ERROR, and the socket stays up', async () => {
    const started = Date.now();
    const codes = new Map<string, number>();
    let probes = 0;
    for (const nsp of Object.keys(PROTOCOL) as Nsp[]) {
      let socket = await fresh(nsp);
      const events = Object.entries(PROTOCOL[nsp].receives).map(([name, e]) => ({ name, keys: keysOf(e.payload) }));
      events.push({ name: 'no:such:event', keys: [] });
      for (const { name, keys } of events) {
        const eventName = name === 'no:such:event' ? fc.oneof(fc.constant(name), nastyString.filter((s) => s.length > 0 && !(s in PROTOCOL[nsp].receives) && !['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].includes(s))) : fc.constant(name);
        await fc.assert(
          fc.asyncProperty(eventName, args(keys), async (event, payload) => {
            probes += 1;
            const ack = (await socket.timeout(5_000).emitWithAck(event, ...payload)) as { ok?: unknown; code?: string; message?: unknown };
            const where = `${nsp} ${JSON.stringify(event)} ${JSON.stringify(payload).slice(0, 200)} -> ${JSON.stringify(ack).slice(0, 300)}`;
            expect(ack, where).to.be.an('object');
            expect(typeof ack.ok, where).to.equal('boolean');
            const code = ack.ok ? 'ok' : ack.code!;
            codes.set(code, (codes.get(code) ?? 0) + 1);
            if (ack.ok === false) {
              expect(ACK_CODES as readonly string[], where).to.include(ack.code);
              expect(ack.code, where).to.not.equal('INTERNAL_ERROR');
              expect(ack.message, where).to.be.a('string');
            }
            expect(socket.connected, where).to.equal(true);
            // Over its budget the socket is refused (which is itself a coded ack); a fresh one goes on probing.
            if (ack.code === 'RATE_LIMITED') socket = await fresh(nsp);
          }),
          { numRuns: RUNS_PER_EVENT },
        );
      }
    }
    console.log(`      ${probes} socket probes in ${((Date.now() - started) / 1000).toFixed(1)} s; acks ${JSON.stringify(Object.fromEntries(codes))}`);
    expect((await fetch(`${app.url}/health`)).status).to.equal(200);
  });
});
