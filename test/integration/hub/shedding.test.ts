import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, emitAck, verifiedCourier } from '../../helpers/hub.js';

const DAMASCUS = { lat: 33.5138, lng: 36.2765 };

describe('hub /courier: load shedding when fixes pile up for the index', function () {
  this.timeout(30_000);
  let app: TestApp;
  let admin: Session;
  const open: Socket[] = [];

  before(async () => {
    // A tiny bound, so one batch in flight fills it.
    app = await startTestApp({ env: { HUB_MAX_PENDING_FIXES: '5', COURIER_FIX_RATE_PER_S: '1000', COURIER_FIX_BURST: '1000' } });
    admin = await signUpAdmin(app);
  });
  after(async () => {
    open.splice(0).forEach((s) => s.close());
    await app.stop();
  });

  it('when more fixes wait for the index than the bound, then a live fix is acked as dropped and a batch is refused with RATE_LIMITED, and nothing is lost once it drains', async () => {
    const courier = await verifiedCourier(app, admin);
    const s = await connect(app.url, '/courier', courier.accessToken);
    open.push(s);
    await emitAck(s, 'courier:online', { vehicle: 'car' });
    const t0 = Date.now() - 60_000;
    const fixes = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ lat: DAMASCUS.lat + (from + i) * 1e-5, lng: DAMASCUS.lng, ts: t0 + (from + i) * 1000 }));
    // Sent back to back: the second batch and the live fix arrive while the first batch is in Redis.
    const [first, second, live] = await Promise.all([
      emitAck(s, 'locations', { fixes: fixes(0, 10) }),
      emitAck(s, 'locations', { fixes: fixes(10, 10) }),
      emitAck(s, 'location', { ...DAMASCUS, ts: Date.now() }),
    ]);
    expect(first).to.include({ ok: true, accepted: 10, dropped: 0 });
    expect(second).to.include({ ok: false, code: 'RATE_LIMITED' });
    expect(second.details).to.deep.equal([{ reason: 'hub_busy', retryAfterMs: 1_000, message: 'retry in 1000 ms' }]);
    expect(live).to.deep.equal({ ok: true, accepted: 0, dropped: 1, ignored: 0, rejected: [], flags: [] });
    // The app keeps the refused batch and sends it again: applied in full, in order.
    expect(await emitAck(s, 'locations', { fixes: fixes(10, 10) })).to.include({ ok: true, accepted: 10, dropped: 0 });
    const trail = await app.system.composed.container.cradle.courierIndex.trail(courier.accountId, t0);
    expect(trail.map((p) => p.ts)).to.deep.equal(fixes(0, 20).map((f) => f.ts));
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).to.match(/hub_fixes_total\{outcome="shed",role="all"\} 11$/m);
  });
});
