import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Store } from '../../domain/catalog/model.js';
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
});
