import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { connect, emitAck, verifiedCourier, waitUntil } from '../helpers/hub.js';
import { signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import { openStore } from '../helpers/stores.js';

/**
 * Bulk sends to an area, end to end on the real app: the area's customers come from their saved
 * addresses, store owners from their stores (both in the database), couriers from the live
 * index (online over /courier). Everyone outside the area hears nothing.
 */
describe('bulk notifications by area', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: Session;
  const sockets: Socket[] = [];
  const api = (p: string) => `${app.url}/api/v1${p}`;
  // A square of about 2 × 2 km in Damascus, and points just inside and just outside it.
  const AREA = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[36.28, 33.50], [36.30, 33.50], [36.30, 33.52], [36.28, 33.52], [36.28, 33.50]]] } };
  const IN = { lat: 33.51, lng: 36.29 };
  const IN_2 = { lat: 33.515, lng: 36.295 };
  const OUT = { lat: 33.51, lng: 36.305 };

  before(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await app?.stop();
  });

  async function customerAt(...points: { lat: number; lng: number }[]): Promise<Session> {
    const c = await signUp(app, 'customer');
    for (const [i, point] of points.entries()) {
      const r = await http(api('/addresses'), { method: 'POST', token: c.accessToken, json: { label: `Home ${i}`, line: 'Straight Street', point } });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
    }
    return c;
  }

  async function send(role: string, area: unknown = AREA): Promise<{ status: number; body: any }> {
    return http(api('/admin/notifications/bulk'), { method: 'POST', token: admin.accessToken, json: { segment: { role, area }, channels: ['in_app'], content: { en: { title: `Road works (${role})`, body: 'Expect delays near Bab Touma' } } } });
  }

  async function finished(id: string): Promise<any> {
    let report: any;
    await waitUntil(async () => {
      report = (await http(api(`/admin/notifications/bulk/${id}`), { token: admin.accessToken })).body.data;
      return report.status === 'done' && report.report.in_app.pending === 0;
    }, 15_000);
    return report;
  }

  const heard = async (s: Session, title: string): Promise<boolean> =>
    (await http(api('/notifications/inbox?limit=100'), { token: s.accessToken })).body.data.items.some((m: { title: string }) => m.title === title);

  it('when an admin sends to the customers of an area, then those with an address inside hear it once, the others not', async () => {
    const inside = await customerAt(IN);
    const twice = await customerAt(IN, IN_2);
    const outside = await customerAt(OUT);
    const created = await send('customer');
    expect(created.status, JSON.stringify(created.body)).to.equal(202);
    expect(created.body.data.segment.area).to.deep.equal(AREA);
    const report = await finished(created.body.data.id);
    expect(report.recipients).to.equal(2);
    expect(report.report.in_app).to.deep.equal({ sent: 2, failed: 0, skipped: 0, pending: 0 });
    expect(await heard(inside, 'Road works (customer)')).to.equal(true);
    expect(await heard(twice, 'Road works (customer)')).to.equal(true);
    expect(await heard(outside, 'Road works (customer)')).to.equal(false);
  });

  it('when an admin sends to the store owners of an area, then only owners of a store inside hear it', async () => {
    const inside = await signUp(app, 'store_owner');
    const outside = await signUp(app, 'store_owner');
    await openStore(app, inside.accessToken, IN);
    await openStore(app, outside.accessToken, OUT);
    const report = await finished((await send('store_owner')).body.data.id);
    expect(report.recipients).to.equal(1);
    expect(await heard(inside, 'Road works (store_owner)')).to.equal(true);
    expect(await heard(outside, 'Road works (store_owner)')).to.equal(false);
  });

  it('when an admin sends to the couriers of an area, then the couriers online inside it hear it, those outside not', async () => {
    const couriers: Session[] = [];
    for (const at of [IN, OUT]) {
      const c = await verifiedCourier(app, admin);
      const s = await connect(app.url, '/courier', c.accessToken);
      sockets.push(s);
      expect((await emitAck(s, 'courier:online', { vehicle: 'motorbike' })).ok).to.equal(true);
      expect((await emitAck(s, 'location', { ...at, ts: Date.now() })).ok).to.equal(true);
      couriers.push(c);
    }
    const report = await finished((await send('courier')).body.data.id);
    expect(report.recipients).to.equal(1);
    expect(await heard(couriers[0]!, 'Road works (courier)')).to.equal(true);
    expect(await heard(couriers[1]!, 'Road works (courier)')).to.equal(false);
  });

  it('when the area breaks the zone rules, then the send is refused with the rule', async () => {
    const bowtie = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[36.28, 33.50], [36.30, 33.52], [36.30, 33.50], [36.28, 33.52], [36.28, 33.50]]] } };
    const r = await send('customer', bowtie);
    expect(r.status).to.equal(422);
    expect(JSON.stringify(r.body.error)).to.include('ZONE_SELF_INTERSECTS');
    const huge = await send('customer', { kind: 'radius', center: IN, radiusM: 100_000 });
    expect(huge.status).to.equal(422);
    expect(JSON.stringify(huge.body.error)).to.include('ZONE_TOO_LARGE');
  });
});
