import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, emitAck, verifiedCourier } from '../../helpers/hub.js';
import { destinationPoint } from '../../../geo/index.js';

const CENTRE = { lat: 33.5138, lng: 36.2765 };

describe('GET /api/v1/couriers/nearby (dispatchers)', function () {
  this.timeout(40_000);
  let app: TestApp;
  let admin: Session;
  const open: Socket[] = [];
  const couriers: Session[] = [];
  const url = (q: string) => `${app.url}/api/v1/couriers/nearby?${q}`;

  before(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
    for (const [i, vehicle] of (['bike', 'car', 'car'] as const).entries()) {
      const c = await verifiedCourier(app, admin);
      const s = await connect(app.url, '/courier', c.accessToken);
      open.push(s);
      await emitAck(s, 'courier:online', { vehicle });
      await emitAck(s, 'location', { ...destinationPoint(CENTRE.lat, CENTRE.lng, 300 * (3 - i), 45), ts: Date.now(), heading: 45 });
      couriers.push(c);
    }
  });
  after(async () => {
    open.forEach((s) => s.close());
    await app.stop();
  });

  it('when an admin with couriers:read asks, then online couriers come nearest first with distance, state and position, filtered by vehicle', async () => {
    const r = await http(url(`lat=${CENTRE.lat}&lng=${CENTRE.lng}&radiusM=2000&limit=10`), { token: admin.accessToken });
    expect(r.status).to.equal(200);
    const ids = r.body.data.items.map((c: any) => c.courierId);
    expect(ids).to.deep.equal([couriers[2]!.accountId, couriers[1]!.accountId, couriers[0]!.accountId]);
    expect(r.body.data.items[0].distanceM).to.be.closeTo(300, 1);
    expect(r.body.data.items[0]).to.deep.include({ status: 'available', vehicle: 'car', capacity: 1, load: 0 });
    expect(r.body.data.items[0].position).to.include({ heading: 45 });
    const cars = await http(url(`lat=${CENTRE.lat}&lng=${CENTRE.lng}&radiusM=2000&vehicle=car`), { token: admin.accessToken });
    expect(cars.body.data.items.map((c: any) => c.courierId)).to.deep.equal([couriers[2]!.accountId, couriers[1]!.accountId]);
    const near = await http(url(`lat=${CENTRE.lat}&lng=${CENTRE.lng}&radiusM=450&limit=1`), { token: admin.accessToken });
    expect(near.body.data.items.map((c: any) => c.courierId)).to.deep.equal([couriers[2]!.accountId]);
  });

  it('when the caller is not an admin with couriers:read, or the query is bad, then it is refused with a code', async () => {
    const customer = await signUp(app, 'customer');
    const q = `lat=${CENTRE.lat}&lng=${CENTRE.lng}`;
    expect((await http(url(q), { token: customer.accessToken })).status).to.equal(403);
    expect((await http(url(q))).status).to.equal(401);
    const auditor = app.token('admin', 'admin-audit', ['audit:read']);
    expect((await http(url(q), { token: auditor })).status).to.equal(403);
    for (const bad of ['lat=91&lng=0', 'lat=0', `${q}&radiusM=0`, `${q}&limit=51`, `${q}&vehicle=plane`, `${q}&status=offline`, `${q}&extra=1`]) {
      const r = await http(url(bad), { token: admin.accessToken });
      expect(r.status, bad).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    }
  });
});

describe('the socket.io client for browsers', function () {
  this.timeout(30_000);
  it('when a page of the app loads /socket.io/socket.io.esm.min.js, then the hub serves the client (README console example)', async () => {
    const app = await startTestApp();
    try {
      const r = await fetch(`${app.url}/socket.io/socket.io.esm.min.js`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.match(/javascript/);
      expect(await r.text()).to.match(/export\s*\{/);
    } finally {
      await app.stop();
    }
  });
});
