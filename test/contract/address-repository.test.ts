import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Address } from '../../domain/catalog/address.js';
import { pageRequest } from '../../domain/shared/pagination.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const customer = () => `cust-${randomUUID().slice(0, 8)}`;
const make = (customerId: string, minute = 0, over: Partial<Parameters<typeof Address.create>[0]> = {}) =>
  Address.create({
    id: randomUUID(),
    customerId,
    label: 'البيت',
    line: '12 Straight Street, Damascus',
    building: 'Block C',
    floor: '3',
    notes: 'blue door',
    point: { lat: 33.5112, lng: 36.3132 },
    pointSource: 'client',
    at: at(minute),
    ...over,
  });

forEachBackend('AddressRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).addresses;
  const uow = () => createRepositories(ctx.store).unitOfWork;

  it('when an address is inserted, then it reads back field for field (optional fields null), and an unknown id reads as null', async () => {
    const a = make(customer());
    expect(await repo().insert(a, 20)).to.equal(true);
    expect((await repo().findById(a.id))?.toProps()).to.deep.equal(a.toProps());
    const bare = make(customer(), 1, { building: null, floor: undefined, notes: '  ' });
    await repo().insert(bare, 20);
    expect((await repo().findById(bare.id))?.toProps()).to.deep.include({ building: null, floor: null, notes: null, deletedAt: null, isDefault: false });
    expect(await repo().findById(randomUUID())).to.equal(null);
  });

  it('when addresses are read by box, then only live ones inside come back, by id, a page at a time', async () => {
    // A spot no other test uses: the box holds only this test's addresses.
    const lat = -40 - Math.random(), lng = 170 + Math.random();
    const inside = [0, 1, 2].map((i) => make(customer(), i, { point: { lat: lat + i * 0.001, lng: lng + i * 0.001 } }));
    const outside = make(customer(), 3, { point: { lat: lat + 0.5, lng } });
    const removed = make(customer(), 4, { point: { lat, lng } });
    for (const a of [...inside, outside, removed]) expect(await repo().insert(a, 20)).to.equal(true);
    const v = removed.version;
    removed.remove(at(9));
    expect(await repo().save(removed, v)).to.equal(true);
    const box = { minLat: lat - 0.01, maxLat: lat + 0.01, minLng: lng - 0.01, maxLng: lng + 0.01 };
    const sorted = [...inside].sort((x, y) => (x.id < y.id ? -1 : 1));
    const first = await repo().liveInBox(box, null, 2);
    expect(first).to.deep.equal(sorted.slice(0, 2).map((a) => ({ id: a.id, accountId: a.toProps().customerId, lat: a.toProps().point.lat, lng: a.toProps().point.lng })));
    const rest = await repo().liveInBox(box, first[1]!.id, 2);
    expect(rest.map((p) => p.id)).to.deep.equal([sorted[2]!.id]);
  });

  it('when a customer is at the cap, then insert answers false and stores nothing; a deleted address frees its slot', async () => {
    const c = customer();
    const live = [make(c, 0), make(c, 1), make(c, 2)];
    for (const a of live) expect(await repo().insert(a, 3)).to.equal(true);
    const extra = make(c, 3);
    expect(await repo().insert(extra, 3)).to.equal(false);
    expect(await repo().findById(extra.id)).to.equal(null);
    expect(await repo().insert(make(customer()), 3), 'the cap is per customer').to.equal(true);

    const gone = live[1]!;
    const v = gone.version;
    gone.remove(at(9));
    expect(await repo().save(gone, v)).to.equal(true);
    expect(await repo().insert(extra, 3)).to.equal(true);
    expect((await repo().listLive(c, pageRequest(1, 10))).pagination.total).to.equal(3);
  });

  it('when 8 inserts race for the last 3 slots, then exactly 3 succeed', async () => {
    const c = customer();
    await repo().insert(make(c, 0), 4);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => repo().insert(make(c, i + 1), 4)));
    expect(results.filter(Boolean)).to.have.length(3);
    expect((await repo().listLive(c, pageRequest(1, 10))).pagination.total).to.equal(4);
  });

  it('when saved with the current version, then edits and the soft delete are stored; with a stale version, then refused', async () => {
    const a = make(customer());
    await repo().insert(a, 20);
    const stale = (await repo().findById(a.id))!;
    const v1 = a.version;
    a.update({ label: 'Work', building: null, notes: 'ask the guard' }, { at: { lat: 33.52, lng: 36.29 }, source: 'geocoder' }, at(5));
    expect(await repo().save(a, v1)).to.equal(true);
    expect((await repo().findById(a.id))?.toProps()).to.deep.equal(a.toProps());
    stale.update({ label: 'Lost update' }, null, at(6));
    expect(await repo().save(stale, v1)).to.equal(false);
    expect((await repo().findById(a.id))?.toProps().label).to.equal('Work');

    const v2 = a.version;
    a.remove(at(7));
    expect(await repo().save(a, v2)).to.equal(true);
    expect((await repo().findById(a.id))?.toProps()).to.deep.include({ deletedAt: at(7).toISOString(), isDefault: false, version: v2 + 1 });
  });

  it('when the default is switched, then exactly one live address is the default and a foreign or deleted id is refused', async () => {
    const c = customer();
    const [a, b] = [make(c, 0), make(c, 1)];
    await repo().insert(a, 20);
    await repo().insert(b, 20);
    expect(await repo().setDefault(c, a.id)).to.equal(true);
    expect(await repo().setDefault(c, a.id), 'idempotent').to.equal(true);
    expect(await repo().setDefault(c, b.id)).to.equal(true);
    const listed = (await repo().listLive(c, pageRequest(1, 10))).items;
    expect(listed.map((x) => [x.id, x.isDefault])).to.deep.equal([[b.id, true], [a.id, false]]);
    expect(await repo().setDefault(customer(), a.id), 'someone else\'s address').to.equal(false);

    const fresh = (await repo().findById(a.id))!;
    const v = fresh.version;
    fresh.remove(at(8));
    await repo().save(fresh, v);
    expect(await repo().setDefault(c, a.id), 'a deleted address').to.equal(false);
    expect((await repo().findById(b.id))?.isDefault).to.equal(true);
  });

  it('when default switches race, then exactly one address ends as the default', async () => {
    const c = customer();
    const book = Array.from({ length: 5 }, (_, i) => make(c, i));
    for (const a of book) await repo().insert(a, 20);
    const results = await Promise.all(book.map((a) => repo().setDefault(c, a.id)));
    expect(results.every(Boolean)).to.equal(true);
    const defaults = (await repo().listLive(c, pageRequest(1, 10))).items.filter((x) => x.isDefault);
    expect(defaults).to.have.length(1);
  });

  it('when a default switch runs inside a transaction that fails, then the previous default stays', async () => {
    const c = customer();
    const [a, b] = [make(c, 0), make(c, 1)];
    await repo().insert(a, 20);
    await repo().insert(b, 20);
    await repo().setDefault(c, a.id);
    await uow()
      .transaction(async () => {
        await repo().setDefault(c, b.id);
        throw new Error('boom');
      })
      .catch(() => undefined);
    expect((await repo().findById(a.id))?.isDefault).to.equal(true);
    expect((await repo().findById(b.id))?.isDefault).to.equal(false);
  });

  it('when listed, then only live addresses come, default first then newest, paginated; newestLive skips the deleted', async () => {
    const c = customer();
    const book = Array.from({ length: 5 }, (_, i) => make(c, i));
    for (const a of book) await repo().insert(a, 20);
    await repo().setDefault(c, book[0]!.id);
    const last = book[4]!;
    const v = last.version;
    last.remove(at(30));
    await repo().save(last, v);
    const first = await repo().listLive(c, pageRequest(1, 3));
    expect(first.pagination).to.deep.equal({ page: 1, limit: 3, total: 4, totalPages: 2 });
    expect(first.items.map((x) => x.id)).to.deep.equal([book[0]!.id, book[3]!.id, book[2]!.id]);
    expect((await repo().listLive(c, pageRequest(2, 3))).items.map((x) => x.id)).to.deep.equal([book[1]!.id]);
    expect((await repo().newestLive(c))?.id).to.equal(book[3]!.id);
    expect(await repo().newestLive(customer())).to.equal(null);
  });

  it('when an operator object arrives where a customer id belongs, then it is refused, not matched', async () => {
    let code: string | undefined;
    await repo().listLive({ $ne: null } as never, pageRequest(1, 10)).catch((err: { code?: string }) => (code = err.code ?? 'SQL'));
    // SQL binds it as a parameter (no match or a type error); Mongo must refuse it with a code
    if (ctx.store.kind === 'mongo') expect(code).to.equal('VALIDATION_ERROR');
  });
});
