import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { Delivery, type DeliveryStatus } from '../../../domain/delivery/model.js';
import { newDispatchState, newOffer, type OfferEnd } from '../../../domain/dispatch/model.js';

const P = { lat: 33.5106, lng: 36.3156 };
const D = { lat: 33.5201, lng: 36.2912 };
const MIN = 60_000;

describe('dispatch stats (GET /api/v1/dispatch/stats and the Prometheus gauges) on a known scenario', function () {
  this.timeout(60_000);
  let app: TestApp;
  const now = Date.now();
  const iso = (minutesAgo: number) => new Date(now - minutesAgo * MIN).toISOString();
  const [c1, c2] = [`k-${randomUUID()}`, `k-${randomUUID()}`];
  const repos = () => app.system.composed.container.cradle.repositories;

  /** A delivery dispatch opened `opened` minutes ago, with its lifecycle times (minutes ago) and assignment count. */
  async function delivery(opened: number, o: { courierId?: string; assigned?: number; assignments?: number; times?: Partial<Record<DeliveryStatus, number>> }) {
    const d = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's1', customerId: 'c1', pickup: P, dropoff: D, at: new Date(now - opened * MIN) });
    const props = d.toProps();
    const timestamps = Object.fromEntries(Object.entries(o.times ?? {}).map(([k, m]) => [k, iso(m)]));
    const last = (Object.keys(o.times ?? {}).pop() as DeliveryStatus | undefined) ?? 'pending';
    await repos().deliveries.create(Delivery.restore({ ...props, courierId: o.courierId ?? null, status: last, timestamps: { ...props.timestamps, ...timestamps } }));
    const s = newDispatchState({ deliveryId: d.id, orderId: d.orderId, radiusM: 3000, at: new Date(now - opened * MIN) });
    await repos().dispatches.open({ ...s, status: o.assigned === undefined ? 'open' : 'assigned', assignments: o.assignments ?? (o.assigned === undefined ? 0 : 1), firstAssignedAt: o.assigned === undefined ? null : iso(o.assigned) });
    return d;
  }
  async function offer(d: Delivery, round: number, sentMinutesAgo: number, end: [OfferEnd, number, string | null] | null) {
    const o = newOffer({ deliveryId: d.id, orderId: d.orderId, courierId: c1, round, pickup: P, dropoff: D, feeMinor: 1, cash: false, cost: 0.1, at: new Date(now - sentMinutesAgo * MIN), timeoutS: 30 });
    await repos().offers.create(o);
    if (end) await repos().offers.end(o.id, end[0], new Date(now - end[1] * MIN), end[2]);
  }

  before(async () => {
    app = await startTestApp();
    // d1: opened 20 min ago, assigned after 60 s (then reassigned once), 120 s at the store, delivered on time
    const d1 = await delivery(20, { courierId: c1, assigned: 19, assignments: 2, times: { assigned: 19, at_pickup: 15, picked_up: 13, delivered: 5 } });
    // d2: opened 50 min ago, assigned after 180 s, 60 s at the store, delivered 49 min after opening (promise: 45): late
    await delivery(50, { courierId: c2, assigned: 47, times: { assigned: 47, at_pickup: 40, picked_up: 39, delivered: 1 } });
    // d3: opened 3 min ago, nobody yet; d4: opened before the window, never counted
    const d3 = await delivery(3, {});
    await delivery(120, { courierId: c2, assigned: 119, times: { assigned: 119 } });
    await offer(d1, 1, 20, ['accepted', 19.5, null]); // answered in 30 s
    await offer(d3, 1, 3, ['declined', 2.9, 'busy']);
    await offer(d3, 2, 2.5, ['expired', 2, 'timeout']);
    await offer(d3, 3, 1.5, ['expired', 1.2, 'withdrawn']); // ops took it: nobody's answer
    await offer(d3, 4, 1, null); // open
    // c1 came online 30 min ago (on a job 14 of them); c2 is offline now: only their job time is known
    await app.system.composed.container.cradle.presence.online(c1, 'sock-1', 'motorbike', now - 30 * MIN);
  });
  after(async () => {
    await app?.stop();
  });

  it('when an admin reads the last hour, then every figure matches the scenario worked by hand', async () => {
    const r = await http(`${app.url}/api/v1/dispatch/stats?windowMinutes=60`, { token: app.token('admin') });
    expect(r.status).to.equal(200);
    const s = r.body.data;
    expect(s).to.deep.include({ deliveries: 3, offers: 4, couriers: 2, truncated: false });
    expect(s.timeToAssign).to.deep.equal({ count: 2, meanS: 120, p90S: 180 });
    expect(s.offerToAccept).to.deep.equal({ count: 1, meanS: 30, p90S: 30 });
    expect(s.acceptanceRate).to.equal(0.333); // 1 accepted of 3 answered or expired; the withdrawn and the open offer do not count
    expect(s.reassignmentsPerOrder).to.equal(0.333); // one reassignment over three deliveries
    expect(s.waitAtStore).to.deep.equal({ count: 2, meanS: 90, p90S: 120 });
    expect(s.onTimePct).to.equal(50);
    // (14 + 46) min on a job / (30 + 46) min online, c1's 30 counted up to the moment the app read them
    const c1OnlineMin = (Date.parse(s.window.to) - (now - 30 * MIN)) / MIN;
    expect(s.courierUtilisation).to.be.closeTo(60 / (46 + c1OnlineMin), 0.0011);
    expect(s.window.minutes).to.equal(60);
  });

  it('when the window is a minute, then figures with nothing to measure are null; other roles and bad windows are refused', async () => {
    const r = await http(`${app.url}/api/v1/dispatch/stats?windowMinutes=1`, { token: app.token('admin') });
    expect(r.body.data).to.deep.include({ deliveries: 0, acceptanceRate: null, onTimePct: null, reassignmentsPerOrder: null });
    expect(r.body.data.timeToAssign).to.deep.equal({ count: 0, meanS: null, p90S: null });
    expect((await http(`${app.url}/api/v1/dispatch/stats`, { token: app.token('store_owner') })).status).to.equal(403);
    expect((await http(`${app.url}/api/v1/dispatch/stats?windowMinutes=0`, { token: app.token('admin') })).status).to.equal(400);
  });

  it('when Prometheus scrapes, then the dispatch gauges carry the same figures over the last hour', async () => {
    const r = await http(`${app.url}/metrics`);
    expect(r.status).to.equal(200);
    const text = String(r.body);
    expect(text).to.match(/dispatch_acceptance_ratio\{window="60m",stat="value"(,role="all")?\} 0\.333/);
    expect(text).to.match(/dispatch_time_to_assign_seconds\{window="60m",stat="p90"(,role="all")?\} 180/);
    expect(text).to.match(/dispatch_on_time_ratio\{window="60m",stat="value"(,role="all")?\} 0\.5/);
    expect(text).to.match(/dispatch_wait_at_store_seconds\{window="60m",stat="mean"(,role="all")?\} 90/);
  });

  it('when the worker role runs, then the batch-matching round runs as its repeatable job', async () => {
    const end = Date.now() + 12_000;
    let text = '';
    while (Date.now() < end && !/queue_jobs_total\{queue="dispatch-batch",outcome="completed"[^}]*\} [1-9]/.test(text)) {
      await new Promise((r) => setTimeout(r, 250));
      text = String((await http(`${app.url}/metrics`)).body);
    }
    expect(text).to.match(/queue_jobs_total\{queue="dispatch-batch",outcome="completed"[^}]*\} [1-9]/);
  });
});
