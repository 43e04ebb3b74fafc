import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import type { StoreZone, ZoneShape } from '../../domain/catalog/store-zone.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m)).toISOString();
const radius: ZoneShape = { kind: 'radius', center: { lat: 33.5138, lng: 36.2765 }, radiusM: 2_500 };
const polygon: ZoneShape = {
  kind: 'polygon',
  polygon: { type: 'Polygon', coordinates: [[[36.25, 33.5], [36.3, 33.5], [36.3, 33.53], [36.25, 33.53], [36.25, 33.5]], [[36.27, 33.51], [36.28, 33.51], [36.28, 33.52], [36.27, 33.51]]] },
};
const zone = (storeId: string, shape: ZoneShape | null, version: number, minute = version): StoreZone => ({ storeId, shape, version, updatedAt: at(minute) });

forEachBackend('StoreZoneRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).storeZones;
  const uow = () => createRepositories(ctx.store).unitOfWork;
  const store = () => `store-${randomUUID().slice(0, 8)}`;

  it('when a zone is put for the first time, then it reads back exactly (a polygon with a hole, a radius), and an unknown store reads as null', async () => {
    const a = store();
    const b = store();
    expect(await repo().put(zone(a, polygon, 1), 0)).to.equal(true);
    expect(await repo().put(zone(b, radius, 1), 0)).to.equal(true);
    expect(await repo().find(a)).to.deep.equal(zone(a, polygon, 1));
    expect(await repo().find(b)).to.deep.equal(zone(b, radius, 1));
    expect(await repo().find(store())).to.equal(null);
  });

  it('when two writers race from the same revision, then exactly one wins, first put and replace alike', async () => {
    const a = store();
    const first = await Promise.all([repo().put(zone(a, radius, 1), 0), repo().put(zone(a, polygon, 1), 0)]);
    expect(first.filter(Boolean)).to.have.length(1);
    const replace = await Promise.all([repo().put(zone(a, radius, 2), 1), repo().put(zone(a, polygon, 2), 1)]);
    expect(replace.filter(Boolean)).to.have.length(1);
    expect(await repo().put(zone(a, radius, 3), 1), 'a stale revision').to.equal(false);
    expect((await repo().find(a))?.version).to.equal(2);
  });

  it('when a zone is removed (tombstone), then revisions and findMany leave it out, find still shows its revision, and it can be set again at the next revision', async () => {
    const a = store();
    const b = store();
    await repo().put(zone(a, radius, 1), 0);
    await repo().put(zone(b, polygon, 1), 0);
    expect(await repo().put(zone(a, null, 2), 1)).to.equal(true);
    const revs = await repo().revisions();
    expect(revs.has(a)).to.equal(false);
    expect(revs.get(b)).to.equal(1);
    expect(await repo().find(a)).to.deep.equal(zone(a, null, 2));
    expect((await repo().findMany([a, b, store()])).map((z) => z.storeId)).to.deep.equal([b]);
    expect(await repo().findMany([])).to.deep.equal([]);
    expect(await repo().put(zone(a, polygon, 3), 2)).to.equal(true);
    expect((await repo().revisions()).get(a)).to.equal(3);
  });

  it('when a put runs in a transaction that fails, then nothing is stored', async () => {
    const a = store();
    await uow().transaction(async () => {
      await repo().put(zone(a, radius, 1), 0);
      throw new Error('rolled back');
    }).catch(() => undefined);
    expect(await repo().find(a)).to.equal(null);
  });
});
