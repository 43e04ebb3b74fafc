import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, verifiedCourier } from '../../helpers/hub.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };

describe('hub /customer: the watch snapshot says how old the position is', function () {
  this.timeout(40_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  let customer: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  before(async () => {
    // The staleness threshold is GEO_MAX_AGE_S, the index's own notion of a stale courier.
    app = await startTestApp({ env: { GEO_MAX_AGE_S: '5' } });
    admin = await signUpAdmin(app);
    owner = await signUp(app, 'store_owner');
    customer = await signUp(app, 'customer');
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(() => app.stop());

  async function watchedDelivery() {
    const courier = await verifiedCourier(app, admin);
    const socket = track(await connect(app.url, '/courier', courier.accessToken));
    expect((await emitAck(socket, 'courier:online', { vehicle: 'motorbike', capacity: 3 })).ok).to.equal(true);
    const { orderId } = await deliveryFor(app, { owner, customer, courier, pickup: PICKUP });
    const watcher = track(await connect(app.url, '/customer', customer.accessToken));
    const watch = async () => {
      const ack = await emitAck(watcher, 'order:watch', { orderId });
      expect(ack.ok, JSON.stringify(ack)).to.equal(true);
      return ack.data;
    };
    return { socket, watch };
  }

  it('when the courier has sent no fix yet, then there is no position, lastSeenAt is null and stale is false', async () => {
    const { watch } = await watchedDelivery();
    expect(await watch()).to.include({ position: null, lastSeenAt: null, stale: false });
  });

  it('when the courier is online with a fresh fix, then stale is false; when it goes offline, then the last position stays, flagged stale, with the same lastSeenAt', async () => {
    const { socket, watch } = await watchedDelivery();
    const ts = Date.now();
    expect(await emitAck(socket, 'location', { ...PICKUP, ts })).to.include({ accepted: 1 });
    const fresh = await watch();
    expect(fresh).to.include({ stale: false, lastSeenAt: new Date(ts).toISOString() });
    expect(fresh.position).to.include({ ts });

    expect((await emitAck(socket, 'courier:offline', {})).ok).to.equal(true);
    const gone = await watch();
    expect(gone).to.include({ stale: true, lastSeenAt: new Date(ts).toISOString() });
    expect(gone.position).to.include({ lat: PICKUP.lat, lng: PICKUP.lng, ts });
  });

  it('when the last fix is older than GEO_MAX_AGE_S while the courier stays online, then stale is true until a fresh fix arrives', async () => {
    const { socket, watch } = await watchedDelivery();
    // Nothing from before the assignment is shown, so the fix is sent now and left to age.
    const old = Date.now();
    expect(await emitAck(socket, 'location', { ...PICKUP, ts: old })).to.include({ accepted: 1 });
    expect(await watch()).to.include({ stale: false });
    await new Promise((r) => setTimeout(r, 5_500));
    expect(await watch()).to.include({ stale: true, lastSeenAt: new Date(old).toISOString() });
    const now = Date.now();
    expect(await emitAck(socket, 'location', { ...PICKUP, ts: now })).to.include({ accepted: 1 });
    expect(await watch()).to.include({ stale: false, lastSeenAt: new Date(now).toISOString() });
  });
});
