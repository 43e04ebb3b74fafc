import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { deliveryModel } from '../../infra/db/mongo/delivery.js';
import { DELIVERY_STATUSES, Delivery, type DeliveryStatus } from '../../domain/delivery/model.js';

/** A stored delivery in any status, as an adapter would be asked to write it. */
const inStatus = (status: string) => {
  const p = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's', customerId: 'c', pickup: { lat: 30, lng: 31 }, dropoff: { lat: 30.01, lng: 31.01 }, at: new Date() }).toProps();
  return Delivery.restore({ ...p, status: status as DeliveryStatus });
};

/**
 * The database knows the delivery statuses too (a SQL CHECK constraint, a
 * Mongo schema enum), so a status added to domain/delivery/model.ts and not
 * to the schema, or the other way round, fails here against the real store.
 */
forEachBackend('delivery statuses in the database', (ctx) => {
  const repo = () => createRepositories(ctx.store).deliveries;

  it('when a delivery is stored in each status of the domain, then the database takes every one', async () => {
    for (const s of DELIVERY_STATUSES) {
      const d = inStatus(s);
      expect((await repo().create(d)).created, s).to.equal(true);
      expect((await repo().findById(d.id))?.status, s).to.equal(s);
    }
  });

  it('when a delivery is stored in a status the domain does not have, then the database refuses it', async () => {
    const d = inStatus('teleported');
    const err = await repo().create(d).then(() => null, (e: Error) => e);
    expect(err, 'stored a status outside the domain list').to.be.instanceOf(Error);
    expect(await repo().findById(d.id)).to.equal(null);
  });

  it('when the schema is read, then its list of statuses is exactly the domain list', async () => {
    if (ctx.store.kind === 'mongo') {
      const enumValues = (deliveryModel(ctx.store.mongo).schema.path('status') as unknown as { enumValues: string[] }).enumValues;
      expect([...enumValues].sort()).to.deep.equal([...DELIVERY_STATUSES].sort());
      return;
    }
    const r = await ctx.store.sql.query<{ def: string }>(
      "select pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_class t on t.oid = c.conrelid where t.relname = 'deliveries' and c.contype = 'c' and c.conname = 'deliveries_status_check' and t.relnamespace = to_regnamespace(current_schema())",
    );
    const def = r.rows[0]?.def ?? '';
    const listed = [...def.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
    expect([...listed].sort(), def).to.deep.equal([...DELIVERY_STATUSES].sort());
  });
});
