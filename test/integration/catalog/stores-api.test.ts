import { expect } from 'chai';
import sharp from 'sharp';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { controlledClock, signUp, signUpAdmin, type Session } from '../../helpers/identity.js';

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200, 0x20), Buffer.from('\n%%EOF')]);
const store = { name: 'مخبز الشام · Al-Sham Bakery', address: '12 Straight Street, Damascus', location: { lat: 33.5112, lng: 36.3132 } };
// Every day 08:00–22:00 and Friday night until 02:00, Damascus time (UTC+3).
const hours = { timeZone: 'Asia/Damascus', weekly: [...['sat', 'sun', 'mon', 'tue', 'wed', 'thu'].map((day) => ({ day, opens: '08:00', closes: '22:00' })), { day: 'fri', opens: '12:00', closes: '02:00' }] };

describe('stores over HTTP: profile, logo, verification, public reads (bad input changes nothing)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let owner: Session;
  let rival: Session;
  let customer: Session;
  let verifier: Session;
  let support: Session;
  const call = (path: string, init: Parameters<typeof http>[1] = {}, who: Session | null = owner) => http(`${app.url}${path}`, { ...(who ? { token: who.accessToken } : {}), ...init });
  const open = async (extra: Record<string, unknown> = {}, who: Session = owner) => {
    const r = await call('/api/v1/stores', { method: 'POST', json: { ...store, cuisine: 'Bakery', minimumOrder: 2500, hours, ...extra } }, who);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return r.body.data as { id: string; version: number };
  };
  const submit = (id: string, who: Session = owner) => call(`/api/v1/stores/${id}/documents?kind=business_license`, { method: 'POST', body: PDF, headers: { 'content-type': 'application/pdf' } }, who);
  const decide = (id: string, json: unknown, who: Session = verifier) => call(`/api/v1/admin/stores/${id}/verification`, { method: 'POST', json }, who);
  const approved = async (extra: Record<string, unknown> = {}) => {
    const s = await open(extra);
    expect((await submit(s.id)).status).to.equal(201);
    expect((await decide(s.id, { decision: 'approve' })).status).to.equal(200);
    return s;
  };
  const events = async (storeId: string) => {
    const c = app.system.composed.container.cradle;
    // The test app runs on PGlite (or PostgreSQL): read the outbox table itself.
    if (c.store.kind !== 'sql') throw new Error('the test app is expected on SQL');
    const r = await c.store.sql.query<{ type: string; payload: Record<string, unknown> }>('select type, payload from outbox where aggregate_id = $1 order by sequence', [storeId]);
    return r.rows;
  };

  before(async () => {
    app = await startTestApp();
    owner = await signUp(app, 'store_owner');
    rival = await signUp(app, 'store_owner');
    customer = await signUp(app, 'customer');
    verifier = await signUpAdmin(app, 'verifier');
    support = await signUpAdmin(app, 'support');
  });
  after(async () => {
    await app?.stop();
  });

  it('when a new store is unapproved, then the public read is 404 and the public list leaves it out; once approved, then both show it', async () => {
    const s = await open();
    expect((await call(`/api/v1/public/stores/${s.id}`, {}, null)).status).to.equal(404);
    expect((await call(`/api/v1/public/stores/${s.id}`, {}, customer)).status).to.equal(404);
    const queue = await call('/api/v1/admin/store-verifications?limit=100', {}, verifier);
    expect(queue.body.data.items.map((x: { id: string }) => x.id)).to.not.include(s.id);

    const submitted = await submit(s.id);
    expect(submitted.body.data.verification).to.deep.include({ status: 'pending' });
    expect(submitted.body.data.verification.documents[0]).to.include({ kind: 'business_license', contentType: 'application/pdf' }).and.not.have.property('storageKey');
    const pending = await call('/api/v1/admin/store-verifications?limit=100', {}, verifier);
    expect(pending.body.data.items.map((x: { id: string }) => x.id)).to.include(s.id);
    const docId = submitted.body.data.verification.documents[0].id;
    const read = await call(`/api/v1/stores/${s.id}/documents/${docId}`, {}, verifier);
    expect(Buffer.from(read.body.data.contentBase64, 'base64').equals(PDF), 'the verifier reads the bytes sent').to.equal(true);
    expect((await call(`/api/v1/stores/${s.id}/documents/${docId}`, {}, support)).status, 'an admin without verification:decide').to.equal(404);
    expect((await call(`/api/v1/public/stores/${s.id}`, {}, null)).status, 'pending is not listed').to.equal(404);

    const r = await decide(s.id, { decision: 'approve', reason: 'licence checked' });
    expect(r.status).to.equal(200);
    expect(r.body.data.verification).to.deep.include({ status: 'approved', reason: 'licence checked', decidedBy: verifier.accountId });
    const pub = await call(`/api/v1/public/stores/${s.id}`, {}, null);
    expect(pub.status).to.equal(200);
    expect(pub.body.data).to.include({ id: s.id, cuisine: 'bakery', minimumOrder: 2500 }).and.to.have.keys(['id', 'name', 'cuisine', 'phone', 'address', 'location', 'logo', 'hours', 'openNow', 'nextOpeningAt', 'minimumOrder', 'rating']);
    expect(pub.body.data.rating).to.deep.equal({ average: null, count: 0 });
    const list = await call(`/api/v1/public/stores?q=${encodeURIComponent('Al-Sham')}&limit=100`, {}, null);
    expect(list.body.data.items.map((x: { id: string }) => x.id)).to.include(s.id);

    // Closing it by its owner unlists it again.
    await call(`/api/v1/stores/${s.id}`, { method: 'PATCH', json: { status: 'closed' } });
    expect((await call(`/api/v1/public/stores/${s.id}`, {}, null)).status).to.equal(404);
  });

  it('when a decision is repeated, then the store is unchanged; a different decision is CONFLICT; a rejection needs a reason', async () => {
    const s = await open();
    expect((await decide(s.id, { decision: 'approve' })).status, 'nothing pending').to.equal(409);
    await submit(s.id);
    const noReason = await decide(s.id, { decision: 'reject' });
    expect(noReason.status).to.equal(400);
    const rejected = await decide(s.id, { decision: 'reject', reason: 'Licence expired' });
    expect(rejected.body.data.verification).to.deep.include({ status: 'rejected', reason: 'Licence expired' });
    const again = await decide(s.id, { decision: 'reject', reason: 'Licence expired' });
    expect(again.status).to.equal(200);
    expect(again.body.data.version).to.equal(rejected.body.data.version);
    expect((await decide(s.id, { decision: 'approve' })).status).to.equal(409);
    expect((await call(`/api/v1/public/stores/${s.id}`, {}, null)).status).to.equal(404);
    expect((await decide(s.id, { decision: 'approve' }, support)).status, 'without verification:decide').to.equal(403);
    expect((await decide(s.id, { decision: 'approve' }, owner)).status).to.equal(403);
    const stored = await events(s.id);
    expect(stored.map((e) => e.type)[0]).to.equal('catalog.store.created');
    const decided = stored.filter((e) => e.type === 'catalog.store.verification_decided');
    expect(decided).to.have.length(1);
    expect(decided[0]!.payload).to.include({ decision: 'rejected', reason: 'Licence expired', listed: false, decidedBy: verifier.accountId });
  });

  it('when the profile is patched, then hours, closure and minimum order show publicly with open now and the next opening', async () => {
    const s = await approved();
    const clock = controlledClock(app);
    try {
      // Saturday 2026-01-10 06:00 Damascus (03:00 UTC): closed until 08:00.
      clock.advance(Date.parse('2026-01-10T03:00:00Z') - Date.now());
      let pub = (await call(`/api/v1/public/stores/${s.id}`, {}, null)).body.data;
      expect(pub).to.include({ openNow: false, nextOpeningAt: '2026-01-10T05:00:00.000Z' });
      clock.advance(3 * 3600_000);
      pub = (await call(`/api/v1/public/stores/${s.id}`, {}, null)).body.data;
      expect(pub).to.include({ openNow: true, nextOpeningAt: null });
      const openIds = (await call('/api/v1/public/stores?openNow=true&limit=100', {}, null)).body.data.items.map((x: { id: string }) => x.id);
      expect(openIds).to.include(s.id);

      const closed = await call(`/api/v1/stores/${s.id}`, { method: 'PATCH', json: { temporaryClosure: { until: '2026-01-10T09:00:00Z', reason: 'Staff training' }, minimumOrder: 3000 } });
      expect(closed.status).to.equal(200);
      pub = (await call(`/api/v1/public/stores/${s.id}`, {}, null)).body.data;
      expect(pub).to.include({ openNow: false, nextOpeningAt: '2026-01-10T09:00:00.000Z', minimumOrder: 3000 });
      expect(pub.hours.temporaryClosure).to.deep.equal({ until: '2026-01-10T09:00:00.000Z', reason: 'Staff training' });
      const closedIds = (await call('/api/v1/public/stores?openNow=false&limit=100', {}, null)).body.data.items.map((x: { id: string }) => x.id);
      expect(closedIds).to.include(s.id);
      expect((await call('/api/v1/public/stores?openNow=true&limit=100', {}, null)).body.data.items.map((x: { id: string }) => x.id)).to.not.include(s.id);
    } finally {
      clock.restore();
    }
    const types = (await events(s.id)).map((e) => e.type);
    expect(types).to.include.members(['catalog.store.created', 'catalog.store.updated', 'catalog.store.verification_decided']);
  });

  it('when the input is bad (time zone, overlapping hours, negative minimum order, smuggled rating or verification), then a clear code and the store is unchanged', async () => {
    const s = await open();
    const before = (await call(`/api/v1/stores/${s.id}`)).body.data;
    const cases: Array<[unknown, number, string]> = [
      [{ hours: { ...hours, timeZone: 'Mars/Olympus_Mons' } }, 400, 'invalid_time_zone'],
      [{ hours: { timeZone: 'Asia/Damascus', weekly: [{ day: 'mon', opens: '09:00', closes: '17:00' }, { day: 'mon', opens: '16:00', closes: '18:00' }] } }, 400, 'overlapping_hours'],
      [{ minimumOrder: -100 }, 400, 'minimumOrder'],
      [{ minimumOrder: 10.5 }, 400, 'minimumOrder'],
      [{ rating: { average: 5, count: 1000 } }, 400, 'rating'],
      [{ verification: { status: 'approved' } }, 400, 'verification'],
      [{ ownerId: rival.accountId }, 400, 'ownerId'],
      [{ version: 99 }, 400, 'version'],
    ];
    for (const [json, status, mention] of cases) {
      const r = await call(`/api/v1/stores/${s.id}`, { method: 'PATCH', json });
      expect(r.status, JSON.stringify(json)).to.equal(status);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      expect(JSON.stringify(r.body.error.details), JSON.stringify(json)).to.include(mention);
    }
    expect((await call(`/api/v1/stores/${s.id}`)).body.data).to.deep.equal(before);
    const badCreate = await call('/api/v1/stores', { method: 'POST', json: { ...store, hours: { timeZone: 'Nowhere' } } });
    expect(badCreate.status).to.equal(400);
  });

  it('when a logo is put, then its sizes are served with immutable cache headers; text is 415, too large is 413, and DELETE removes it', async () => {
    const s = await approved();
    const png = await sharp({ create: { width: 800, height: 400, channels: 3, background: { r: 20, g: 120, b: 60 } } }).png().toBuffer();
    const put = await call(`/api/v1/stores/${s.id}/logo`, { method: 'PUT', body: png, headers: { 'content-type': 'image/png' } });
    expect(put.status).to.equal(200);
    const sizes = put.body.data.logo.sizes;
    expect(sizes.thumb).to.deep.include({ width: 160, height: 80 });
    const served = await fetch(`${app.url}${sizes.thumb.url}`);
    expect(served.status).to.equal(200);
    expect(served.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    expect(served.headers.get('content-type')).to.equal('image/jpeg');
    expect((await call(`/api/v1/public/stores/${s.id}`, {}, null)).body.data.logo.sizes.thumb.url).to.equal(sizes.thumb.url);

    const text = await call(`/api/v1/stores/${s.id}/logo`, { method: 'PUT', body: Buffer.from('not an image at all'.repeat(10)), headers: { 'content-type': 'image/png' } });
    expect(text.status).to.equal(415);
    const huge = await call(`/api/v1/stores/${s.id}/logo`, { method: 'PUT', body: Buffer.alloc(9 * 1024 * 1024, 1), headers: { 'content-type': 'image/png' } });
    expect(huge.status).to.equal(413);
    expect((await call(`/api/v1/stores/${s.id}`)).body.data.logo.sizes.thumb.url, 'unchanged').to.equal(sizes.thumb.url);

    const removed = await call(`/api/v1/stores/${s.id}/logo`, { method: 'DELETE' });
    expect(removed.body.data.logo).to.equal(null);
    expect((await call(`/api/v1/stores/${s.id}/logo`, { method: 'DELETE' })).body.data.version, 'a second delete changes nothing').to.equal(removed.body.data.version);
    expect((await fetch(`${app.url}${sizes.thumb.url}`)).status).to.equal(404);
  });

  it("when owner B touches owner A's store (patch, logo, documents), then 404 and nothing changes; a customer is 403", async () => {
    const s = await open();
    const before = (await call(`/api/v1/stores/${s.id}`)).body.data;
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer();
    expect((await call(`/api/v1/stores/${s.id}`, { method: 'PATCH', json: { name: 'Hijacked' } }, rival)).status).to.equal(404);
    expect((await call(`/api/v1/stores/${s.id}/logo`, { method: 'PUT', body: png, headers: { 'content-type': 'image/png' } }, rival)).status).to.equal(404);
    expect((await call(`/api/v1/stores/${s.id}/logo`, { method: 'DELETE' }, rival)).status).to.equal(404);
    expect((await submit(s.id, rival)).status).to.equal(404);
    expect((await call(`/api/v1/stores/${s.id}`, { method: 'PATCH', json: { name: 'Hijacked' } }, customer)).status).to.equal(403);
    expect((await call(`/api/v1/stores/${s.id}`)).body.data).to.deep.equal(before);
  });
});
