// @solo: the p99 bound below is calibrated for a test process with the machine to itself, so
// scripts/test.mjs runs this file after the parallel lanes, alone.
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import { connect, deliveryFor, emitAck, verifiedCourier } from '../helpers/hub.js';
import { PROTOCOL } from '../../server/protocol.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };
const PHASE_MS = 1_000;
const ROUNDS = 4;
/**
 * The stated bound: a flooding socket may add at most this much to another socket's p99 ack time. Measured on
 * the shared 2-core box (load 10-15): without budgets the p99 went from 58 to 481 ms; with them 59 to 62 ms, and
 * up to +90 ms in noisy runs (the flooding client runs in this process too).
 */
const P99_BOUND_MS = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

describe('security: a flooding socket does not degrade the others', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  let customer: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  before(async () => {
    app = await startTestApp({ env: { COURIER_FIX_RATE_PER_S: '100', COURIER_FIX_BURST: '100' } });
    admin = await signUpAdmin(app);
    owner = await signUp(app, 'store_owner');
    customer = await signUp(app, 'customer');
  });
  after(async () => {
    open.splice(0).forEach((s) => s.close());
    await app.stop();
  });

  /** A courier's `location` ack times, one fix every 10 ms for `ms`. */
  async function courierAckTimes(socket: Socket, ms: number): Promise<number[]> {
    const times: number[] = [];
    const end = Date.now() + ms;
    let i = 0;
    while (Date.now() < end) {
      const t = performance.now();
      const ack = await emitAck(socket, 'location', { lat: PICKUP.lat + (i++ % 100) * 1e-5, lng: PICKUP.lng, ts: Date.now() });
      expect(ack.ok).to.equal(true);
      times.push(performance.now() - t);
      await sleep(10);
    }
    return times;
  }

  it(`when one customer socket sends order:watch and order:trail as fast as it can, then another courier's p99 ack time grows by less than ${P99_BOUND_MS} ms and the flood is refused with RATE_LIMITED`, async () => {
    const courier = await verifiedCourier(app, admin);
    const cs = track(await connect(app.url, '/courier', courier.accessToken));
    expect((await emitAck(cs, 'courier:online', { vehicle: 'motorbike', capacity: 3 })).ok).to.equal(true);
    const { orderId } = await deliveryFor(app, { owner, customer, courier });
    const flooder = track(await connect(app.url, '/customer', customer.accessToken));

    // Alone and flooded in turns, so the load of a shared machine weighs on both the same.
    const baseline: number[] = [];
    const flooded: number[] = [];
    const codes = new Map<string, number>();
    let sent = 0;
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(...(await courierAckTimes(cs, PHASE_MS)));
      let stop = false;
      const flood = (async () => {
        // About 1,400 messages a second, as the adversarial probe sent.
        while (!stop) {
          for (let k = 0; k < 14; k++) {
            const event = k % 2 === 0 ? 'order:watch' : 'order:trail';
            flooder.emit(event, event === 'order:watch' ? { orderId } : { orderId, since: 0 }, (a: { ok: boolean; code?: string }) => {
              const code = a.ok ? 'ok' : a.code!;
              codes.set(code, (codes.get(code) ?? 0) + 1);
            });
            sent += 1;
          }
          await sleep(10);
        }
      })();
      flooded.push(...(await courierAckTimes(cs, PHASE_MS)));
      stop = true;
      await flood;
    }
    await sleep(500);

    const [before, during] = [p99(baseline), p99(flooded)];
    console.log(`      courier location acks: p99 ${before.toFixed(1)} ms alone (${baseline.length} acks), ${during.toFixed(1)} ms under a flood of ${sent} messages (${Math.round(sent / ((ROUNDS * PHASE_MS) / 1000))}/s); flood acks ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(during - before, `p99 ${before.toFixed(1)} ms → ${during.toFixed(1)} ms`).to.be.below(P99_BOUND_MS);
    const served = codes.get('ok') ?? 0;
    const { 'order:watch': watch, 'order:trail': trail } = PROTOCOL['/customer'].receives;
    // Each round, each budget lets at most its burst through, then its rate (the rounds are PHASE_MS apart, and acks arrive up to 500 ms late).
    const allowed = ROUNDS * (watch!.budget.burst + trail!.budget.burst) + ((2 * ROUNDS * PHASE_MS + 500) / 1000) * (watch!.budget.ratePerS + trail!.budget.ratePerS);
    expect(served).to.be.at.most(allowed);
    expect(codes.get('RATE_LIMITED') ?? 0).to.be.above(sent / 2);
    expect(flooder.connected).to.equal(true);
    // Once the flood stops, the budget refills and the socket is served again.
    await sleep(1_000);
    expect((await emitAck(flooder, 'order:watch', { orderId })).ok).to.equal(true);
  });
});
