import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalDiskDocumentStorage } from '../../infra/storage/local-disk.js';
import { Store } from '../../domain/catalog/model.js';
import type { StoreRepository } from '../../domain/catalog/ports.js';
import { CreateStore } from '../../domain/catalog/use-cases/create-store.js';
import { UpdateStore } from '../../domain/catalog/use-cases/update-store.js';
import { StoreQueries } from '../../domain/catalog/use-cases/queries.js';
import { codeOf, openWorld, principal, type World } from './delivery-use-cases.fixture.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const input = { name: '  Souq Bakery ', address: '4 Souq Lane', location: { lat: 33.51, lng: 36.31 } };

describe('catalog: Store model', () => {
  it('when created, then text is trimmed, status defaults to open and version is 1', () => {
    const s = Store.create({ ...input, id: 's1', ownerId: 'o1', at: at(0) }).toView();
    expect(s).to.deep.include({ name: 'Souq Bakery', phone: null, status: 'open', version: 1, createdAt: at(0).toISOString() });
  });

  it('when a field breaks a rule, then VALIDATION_ERROR names it', () => {
    const bad: [Partial<Parameters<typeof Store.create>[0]>, string][] = [
      [{ name: '   ' }, 'name'],
      [{ address: 'x'.repeat(501) }, 'address'],
      [{ phone: '0944 123' }, 'phone'],
      [{ location: { lat: 0, lng: 181 } }, 'location'],
      [{ status: 'busy' as never }, 'status'],
    ];
    for (const [over, field] of bad) {
      try {
        Store.create({ ...input, id: 's1', ownerId: 'o1', at: at(0), ...over });
        expect.fail(`should refuse ${field}`);
      } catch (err) {
        expect((err as { code: string }).code, field).to.equal('VALIDATION_ERROR');
        expect((err as { details: { field: string } }).details.field).to.equal(field);
      }
    }
  });

  it('when updated, then the version and updatedAt move; a patch that changes nothing is a no-op', () => {
    const s = Store.create({ ...input, id: 's1', ownerId: 'o1', at: at(0) });
    expect(s.update({ name: 'Souq Bakery', location: { lat: 33.51, lng: 36.31 } }, at(1))).to.equal(false);
    expect(s.version).to.equal(1);
    expect(s.update({ status: 'closed', phone: '+963944123456' }, at(2))).to.equal(true);
    expect(s.toView()).to.deep.include({ status: 'closed', phone: '+963944123456', version: 2, updatedAt: at(2).toISOString() });
    expect(s.update({ phone: null }, at(3))).to.equal(true);
    expect(s.toView().phone).to.equal(null);
  });
});

describe('catalog use cases (PGlite repositories)', function () {
  this.timeout(30_000);
  let w: World;
  let create: CreateStore;
  let update: UpdateStore;
  let queries: StoreQueries;
  const owner = principal(`owner-${randomUUID().slice(0, 6)}`, 'store_owner');
  const storesAdmin = principal('super-1', 'admin', ['stores:manage']);
  const opsAdmin = principal('ops-1', 'admin', ['deliveries:manage']);
  before(async () => {
    w = await openWorld();
    create = new CreateStore(w.deps);
    update = new UpdateStore(w.deps);
    queries = new StoreQueries({ ...w.deps, documentStorage: new LocalDiskDocumentStorage(mkdtempSync(path.join(tmpdir(), 'daraa-docs-')), 1024 * 1024) });
  });
  after(async () => {
    await w?.close();
  });

  it('when a store owner creates a store, then it is theirs; any other role is FORBIDDEN', async () => {
    const s = await create.execute(owner, input);
    expect(s.ownerId).to.equal(owner.accountId);
    expect((await w.repos.stores.findById(s.id))?.toView()).to.deep.equal(s);
    for (const p of [principal('c1', 'customer'), principal('k1', 'courier'), storesAdmin]) expect(await codeOf(create.execute(p, input)), p.role).to.equal('FORBIDDEN');
  });

  it('when the owner or an admin with stores:manage updates, then it is saved; others get NOT_FOUND and nothing changes', async () => {
    const s = await create.execute(owner, input);
    expect((await update.execute(owner, s.id, { status: 'closed' })).status).to.equal('closed');
    expect((await update.execute(storesAdmin, s.id, { name: 'Renamed' })).name).to.equal('Renamed');
    for (const p of [principal('o2', 'store_owner'), opsAdmin, principal('c1', 'customer')]) expect(await codeOf(update.execute(p, s.id, { name: 'Hijacked' })), p.role).to.equal('NOT_FOUND');
    expect(await codeOf(update.execute(owner, randomUUID(), { name: 'x' }))).to.equal('NOT_FOUND');
    expect(await codeOf(update.execute(owner, s.id, { name: '' }))).to.equal('VALIDATION_ERROR');
    expect((await w.repos.stores.findById(s.id))?.toView()).to.deep.include({ name: 'Renamed', status: 'closed', version: 3 });
  });

  it('when another writer saves between read and write, then the patch is applied again on the fresh store', async () => {
    const s = await create.execute(owner, input);
    let raced = false;
    const racing: StoreRepository = Object.assign(Object.create(w.repos.stores) as StoreRepository, {
      save: async (store: Store, v: number) => {
        if (!raced) {
          raced = true;
          const rival = (await w.repos.stores.findById(store.id))!;
          rival.update({ phone: '+963944000111' }, w.clock.now());
          await w.repos.stores.save(rival, v);
        }
        return w.repos.stores.save(store, v);
      },
    });
    const r = await new UpdateStore({ ...w.deps, stores: racing }).execute(owner, s.id, { status: 'closed' });
    expect(raced).to.equal(true);
    expect(r).to.deep.include({ status: 'closed', phone: '+963944000111', version: 3 });
  });

  it('when stores are read and listed, then owners see only theirs and stores:manage sees all', async () => {
    const mine = principal(`owner-${randomUUID().slice(0, 6)}`, 'store_owner');
    const other = principal(`owner-${randomUUID().slice(0, 6)}`, 'store_owner');
    const a = await create.execute(mine, input);
    const b = await create.execute(other, input);
    expect((await queries.get(mine, a.id)).id).to.equal(a.id);
    expect(await codeOf(queries.get(mine, b.id))).to.equal('NOT_FOUND');
    expect(await codeOf(queries.get(opsAdmin, a.id))).to.equal('NOT_FOUND');
    expect((await queries.get(storesAdmin, b.id)).id).to.equal(b.id);
    const page = { page: 1, limit: 100 };
    expect((await queries.list(mine, {}, page)).items.map((s) => s.id)).to.deep.equal([a.id]);
    expect((await queries.list(mine, { ownerId: other.accountId }, page)).items).to.deep.equal([]);
    expect((await queries.list(opsAdmin, {}, page)).items).to.deep.equal([]);
    expect((await queries.list(storesAdmin, { ownerId: other.accountId }, page)).items.map((s) => s.id)).to.deep.equal([b.id]);
    expect((await queries.list(storesAdmin, {}, page)).pagination.total).to.be.at.least(2);
  });
});
