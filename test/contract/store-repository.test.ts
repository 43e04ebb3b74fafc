import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { isListedStore, Store } from '../../domain/catalog/model.js';
import { pageRequest } from '../../domain/shared/pagination.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const make = (over: { ownerId?: string; minute?: number; phone?: string | null } = {}) =>
  Store.create({
    id: randomUUID(),
    ownerId: over.ownerId ?? `owner-${randomUUID().slice(0, 6)}`,
    name: 'Bab Touma Bakery',
    phone: over.phone === undefined ? '+963944123456' : over.phone,
    address: '12 Straight Street, Damascus',
    location: { lat: 33.5112, lng: 36.3132 },
    at: at(over.minute ?? 0),
  });

forEachBackend('StoreRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).stores;

  it('when a store is created, then it reads back field for field, and an unknown id reads as null', async () => {
    const s = make();
    await repo().create(s);
    expect((await repo().findById(s.id))?.toView()).to.deep.equal(s.toView());
    const noPhone = make({ phone: null });
    await repo().create(noPhone);
    expect((await repo().findById(noPhone.id))?.toView().phone).to.equal(null);
    expect(await repo().findById(randomUUID())).to.equal(null);
  });

  it('when several stores are read by id at once, then each known one comes back field for field (unknown ids and repeats add nothing)', async () => {
    const [a, b] = [make(), make({ phone: null })];
    for (const s of [a, b]) await repo().create(s);
    const found = await repo().findByIds([b.id, randomUUID(), a.id, b.id]);
    expect(found.map((s) => s.toView()).sort((x, y) => x.id.localeCompare(y.id))).to.deep.equal([a.toView(), b.toView()].sort((x, y) => x.id.localeCompare(y.id)));
    expect(await repo().findByIds([])).to.deep.equal([]);
  });

  it('when stores are read by box, then only those located inside come back with their owner, by id, a page at a time', async () => {
    const lat = 50 + Math.random(), lng = -170 - Math.random();
    const place = (dLat: number) => Store.create({ id: randomUUID(), ownerId: `owner-${randomUUID().slice(0, 6)}`, name: 'Box Bakery', phone: null, address: 'Somewhere', location: { lat: lat + dLat, lng }, at: at(0) });
    const inside = [place(0), place(0.001), place(0.002)];
    for (const s of [...inside, place(0.3)]) await repo().create(s);
    const box = { minLat: lat - 0.01, maxLat: lat + 0.01, minLng: lng - 0.01, maxLng: lng + 0.01 };
    const sorted = [...inside].sort((x, y) => (x.id < y.id ? -1 : 1));
    const first = await repo().inBox(box, null, 2);
    expect(first).to.deep.equal(sorted.slice(0, 2).map((s) => ({ id: s.id, accountId: s.toProps().ownerId, lat: s.toProps().location.lat, lng: lng })));
    expect((await repo().inBox(box, first[1]!.id, 2)).map((p) => p.id)).to.deep.equal([sorted[2]!.id]);
  });

  it('when a store sets its preparation time, then it reads back; cleared, it reads as null (the marketplace default)', async () => {
    const s = make();
    expect(s.toProps().prepMinutes).to.equal(null);
    await repo().create(s);
    const v = s.version;
    s.update({ prepMinutes: 25 }, at(3));
    expect(await repo().save(s, v)).to.equal(true);
    expect((await repo().findById(s.id))!.toProps().prepMinutes).to.equal(25);
    s.update({ prepMinutes: null }, at(4));
    expect(await repo().save(s, v + 1)).to.equal(true);
    expect((await repo().findById(s.id))!.toProps().prepMinutes).to.equal(null);
  });

  it('when the same id is created twice, then the second insert fails and the first store stays', async () => {
    const s = make();
    await repo().create(s);
    const twin = Store.restore({ ...s.toProps(), name: 'Impostor' });
    let failed = false;
    await repo().create(twin).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect((await repo().findById(s.id))?.toView().name).to.equal('Bab Touma Bakery');
  });

  it('when saved with the current version, then every editable field is stored; with a stale version, then it is refused', async () => {
    const s = make();
    await repo().create(s);
    const stale = (await repo().findById(s.id))!;
    const v1 = s.version;
    s.update({ name: 'Midan Sweets', phone: null, address: '3 Midan Road', location: { lat: 33.49, lng: 36.29 }, status: 'closed' }, at(5));
    expect(await repo().save(s, v1)).to.equal(true);
    const stored = (await repo().findById(s.id))!.toView();
    expect(stored).to.deep.equal({ ...s.toView() });
    expect(stored).to.deep.include({ name: 'Midan Sweets', phone: null, status: 'closed', version: v1 + 1, updatedAt: at(5).toISOString(), createdAt: at(0).toISOString() });

    stale.update({ name: 'Lost update' }, at(6));
    expect(await repo().save(stale, v1)).to.equal(false);
    expect((await repo().findById(s.id))?.toView().name).to.equal('Midan Sweets');
  });

  it('when listed by owner and status, then filters combine, newest first, paginated', async () => {
    const owner = `owner-${randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 5; i++) {
      const s = make({ ownerId: owner, minute: i });
      await repo().create(s);
      if (i % 2 === 0) {
        const v = s.version;
        s.update({ status: 'closed' }, at(30));
        await repo().save(s, v);
      }
    }
    await repo().create(make());
    const first = await repo().list({ ownerId: owner }, pageRequest(1, 3));
    expect(first.pagination).to.deep.equal({ page: 1, limit: 3, total: 5, totalPages: 2 });
    const created = first.items.map((s) => s.toView().createdAt);
    expect(created).to.deep.equal([at(4), at(3), at(2)].map((d) => d.toISOString()));
    expect((await repo().list({ ownerId: owner }, pageRequest(2, 3))).items).to.have.length(2);
    expect((await repo().list({ ownerId: owner, status: 'closed' }, pageRequest(1, 10))).pagination.total).to.equal(3);
    expect((await repo().list({ ownerId: owner, status: 'open' }, pageRequest(1, 10))).items.every((s) => s.status === 'open')).to.equal(true);
    expect((await repo().list({}, pageRequest(1, 100))).pagination.total).to.be.at.least(6);
  });

  const doc = (n: number, minute: number) => ({ id: randomUUID(), kind: 'business_license' as const, contentType: 'application/pdf', sizeBytes: 1000 + n, sha256: 'ab'.repeat(32), storageKey: `docs/${n}`, uploadedAt: at(minute).toISOString() });

  it('when the profile (hours, logo, cuisine, minimum order, pickup, rating, verification with documents) is saved, then it reads back field for field', async () => {
    const s = Store.create({
      id: randomUUID(), ownerId: 'owner-p', name: 'Shawarma Abu Ali', address: '7 Hamra St', location: { lat: 33.51, lng: 36.29 }, at: at(0),
      cuisine: 'Shawarma', minimumOrder: 2500, pickupInstructions: 'Side door',
      hours: { timeZone: 'Asia/Damascus', weekly: [{ day: 'fri', opens: '22:00', closes: '02:00' }], closures: [{ date: '2026-04-01', reason: 'Eid' }] },
    });
    await repo().create(s);
    expect((await repo().findById(s.id))?.toProps()).to.deep.equal(s.toProps());
    const v = s.version;
    s.update({ temporaryClosure: { until: '2026-02-01T00:00:00.000Z', reason: 'Renovation' }, cuisine: null }, at(1));
    s.setLogo({ files: { thumb: { key: 'k1', sha256: 'cd'.repeat(32), width: 160, height: 160, contentType: 'image/jpeg' } } }, at(1));
    s.addDocument(doc(1, 2), at(2));
    s.decideVerification('approve', 'licence checked', 'admin-1', at(3));
    expect(await repo().save(s, v)).to.equal(true);
    const stored = (await repo().findById(s.id))!;
    expect(stored.toProps()).to.deep.equal(s.toProps());
    expect(stored.toProps()).to.deep.include({ cuisine: null, minimumOrder: 2500, pickupInstructions: 'Side door', rating: { average: null, count: 0 } });
    expect(stored.verification).to.deep.include({ status: 'approved', reason: 'licence checked', decidedBy: 'admin-1', decidedAt: at(3).toISOString(), submittedAt: at(2).toISOString() });
    expect(stored.hours?.temporaryClosure).to.deep.equal({ until: '2026-02-01T00:00:00.000Z', reason: 'Renovation' });

    // A rating is written by reviews later: whatever a Store carries round-trips.
    const rated = Store.restore({ ...stored.toProps(), rating: { average: 4.25, count: 12 } });
    expect(await repo().save(rated, stored.version)).to.equal(true);
    expect((await repo().findById(s.id))?.toProps().rating).to.deep.equal({ average: 4.25, count: 12 });
  });

  it('when listed only, then exactly the open and approved stores come back (isListedStore), and cuisine and name filters combine with it', async () => {
    const owner = `owner-${randomUUID().slice(0, 6)}`;
    const variants: Array<[status: 'open' | 'closed', decision: 'approve' | 'reject' | null, name: string]> = [
      ['open', 'approve', 'Listed 100% Falafel'], ['closed', 'approve', 'Closed Falafel'], ['open', 'reject', 'Rejected Falafel'], ['open', null, 'Pending Falafel'], ['open', 'approve', 'listed_two'],
    ];
    for (const [i, [status, decision, name]] of variants.entries()) {
      const s = Store.create({ id: randomUUID(), ownerId: owner, name, address: 'x', location: { lat: 33.5, lng: 36.3 }, cuisine: i === 4 ? 'bakery' : 'falafel', status, at: at(i) });
      s.addDocument(doc(i, i), at(i));
      if (decision) s.decideVerification(decision, 'checked', 'admin-1', at(i));
      await repo().create(s);
    }
    const listed = await repo().list({ ownerId: owner, listed: true }, pageRequest(1, 10));
    expect(listed.items.map((s) => s.toProps().name)).to.deep.equal(['listed_two', 'Listed 100% Falafel']);
    expect(listed.items.every(isListedStore)).to.equal(true);
    expect((await repo().list({ ownerId: owner }, pageRequest(1, 10))).items.filter(isListedStore)).to.have.length(2);
    expect((await repo().list({ ownerId: owner, listed: true, cuisine: 'falafel' }, pageRequest(1, 10))).items.map((s) => s.toProps().name)).to.deep.equal(['Listed 100% Falafel']);
    expect((await repo().list({ ownerId: owner, listed: true, q: 'LISTED' }, pageRequest(1, 10))).pagination.total).to.equal(2);
    // Wildcards in the term are plain characters.
    expect((await repo().list({ ownerId: owner, q: '100%' }, pageRequest(1, 10))).items.map((s) => s.toProps().name)).to.deep.equal(['Listed 100% Falafel']);
    expect((await repo().list({ ownerId: owner, q: 'l_s' }, pageRequest(1, 10))).pagination.total).to.equal(0);
    expect((await repo().list({ ownerId: owner, q: '.*' }, pageRequest(1, 10))).pagination.total).to.equal(0);
    expect((await repo().list({ ownerId: owner, listed: true, status: 'closed' }, pageRequest(1, 10))).pagination.total).to.equal(0);
    expect((await repo().list({ ownerId: owner, listed: true, verification: 'pending' }, pageRequest(1, 10))).pagination.total).to.equal(0);
  });

  it('when the pending queue is read, then pending stores come oldest submission first', async () => {
    const owner = `owner-${randomUUID().slice(0, 6)}`;
    for (const minute of [30, 10, 20]) {
      const s = Store.create({ id: randomUUID(), ownerId: owner, name: `Submitted ${minute}`, address: 'x', location: { lat: 33.5, lng: 36.3 }, at: at(minute % 7) });
      s.addDocument(doc(minute, minute), at(minute));
      await repo().create(s);
    }
    await repo().create(Store.create({ id: randomUUID(), ownerId: owner, name: 'Never submitted', address: 'x', location: { lat: 33.5, lng: 36.3 }, at: at(1) }));
    const queue = await repo().list({ ownerId: owner, verification: 'pending' }, pageRequest(1, 10));
    expect(queue.items.map((s) => s.toProps().name)).to.deep.equal(['Submitted 10', 'Submitted 20', 'Submitted 30']);
    expect((await repo().list({ ownerId: owner, verification: 'not_submitted' }, pageRequest(1, 10))).pagination.total).to.equal(1);
  });
});
