import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { ReserveStock } from '../../domain/catalog/use-cases/reserve-stock.js';
import { CloseReservation } from '../../domain/catalog/use-cases/close-reservation.js';
import { ExpireReservations } from '../../domain/catalog/use-cases/expire-reservations.js';
import { moveStock, type StockDeps } from '../../domain/catalog/use-cases/stock-support.js';
import { manualChange, type ManualMovementKind } from '../../domain/catalog/inventory.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { uuidIds } from '../../domain/shared/ids.js';
import { isAppError } from '../../domain/shared/errors.js';

forEachBackend('InventoryRepository contract (stock levels, movements, reservations)', (ctx) => {
  let repos: Repositories;
  let now = new Date(Date.UTC(2026, 0, 1, 12));
  const clock = { now: () => now };
  let deps: StockDeps;
  beforeEach(() => {
    repos = createRepositories(ctx.store);
    deps = { inventory: repos.inventory, outbox: repos.outbox, unitOfWork: repos.unitOfWork, clock, ids: uuidIds };
  });

  async function variant(over: { allowBackorder?: boolean; lowStockThreshold?: number | null } = {}): Promise<string> {
    const variantId = `var-${randomUUID()}`;
    await repos.inventory.ensureLevel({ variantId, productId: `prod-${randomUUID()}`, storeId: `store-${randomUUID()}`, at: now });
    if (Object.keys(over).length) await repos.inventory.configure(variantId, over, now);
    return variantId;
  }
  const record = (variantId: string, kind: ManualMovementKind, quantity: number, key?: string) =>
    deps.unitOfWork.transaction(() => moveStock(deps, { variantId, kind, change: manualChange(kind, quantity), key: key ?? null, at: now }));
  async function assertLedger(variantId: string): Promise<void> {
    const level = (await repos.inventory.findLevel(variantId))!;
    const totals = await repos.inventory.movementTotals(variantId);
    expect(totals, 'movements sum to the counters').to.deep.equal({ onHand: level.onHand, reserved: level.reserved });
    expect(level.available).to.equal(level.onHand - level.reserved);
  }
  const lowEvents = async (variantId: string) => (await repos.outbox.unpublished(10_000)).filter((e) => e.type === 'catalog.stock.low' && e.aggregateId === variantId);

  it('when a level is ensured, then it starts at zero, and ensuring again never resets it', async () => {
    const v = await variant();
    expect(await repos.inventory.findLevel(v)).to.deep.include({ onHand: 0, reserved: 0, available: 0, allowBackorder: false, lowStockThreshold: null, low: false });
    await record(v, 'receipt', 7);
    const level = (await repos.inventory.findLevel(v))!;
    await repos.inventory.ensureLevel({ variantId: v, productId: level.productId, storeId: level.storeId, at: now });
    expect((await repos.inventory.findLevel(v))!.onHand).to.equal(7);
    expect(await repos.inventory.findLevel(`var-${randomUUID()}`)).to.equal(null);
  });

  it('when changes would take available or on hand below 0, then they are refused and nothing changes; backorders allow reserving beyond', async () => {
    const v = await variant();
    await record(v, 'receipt', 5);
    expect(await repos.inventory.applyChange(v, { onHand: 0, reserved: 6, guardAvailable: true }, now)).to.equal(null);
    expect(await record(v, 'adjustment', -6)).to.equal(null);
    expect(await repos.inventory.applyChange(v, { onHand: 0, reserved: -1, guardAvailable: false }, now), 'reserved below 0').to.equal(null);
    expect(await repos.inventory.findLevel(v)).to.deep.include({ onHand: 5, reserved: 0 });
    const b = await variant({ allowBackorder: true });
    expect((await repos.inventory.applyChange(b, { onHand: 0, reserved: 3, guardAvailable: true }, now))!.available).to.equal(-3);
    expect(await repos.inventory.applyChange(b, { onHand: -1, reserved: 0, guardAvailable: true }, now), 'an adjustment never takes on hand below 0').to.equal(null);
    await assertLedger(v);
  });

  it('when a movement repeats its key, then it is stored once', async () => {
    const v = await variant();
    expect(await record(v, 'receipt', 4, 'delivery-note-1')).to.not.equal(null);
    const m = (await repos.inventory.findMovementByKey(v, 'delivery-note-1'))!;
    expect(m).to.deep.include({ kind: 'receipt', onHandDelta: 4, reservedDelta: 0, key: 'delivery-note-1' });
    expect(await repos.inventory.appendMovement({ ...m, id: randomUUID() })).to.equal(false);
    expect((await repos.inventory.movements(v, pageRequest(1, 10))).pagination.total).to.equal(1);
  });

  it('when receipts, adjustments, reservations, releases, sales and returns happen, then on hand equals the sum of the movements', async () => {
    const v = await variant();
    const reserve = new ReserveStock(deps);
    const close = new CloseReservation(deps);
    await record(v, 'receipt', 30);
    await record(v, 'adjustment', -4);
    const sold = await reserve.execute({ lines: [{ variantId: v, quantity: 5 }], ttlS: 600, key: `checkout-${randomUUID()}` });
    const dropped = await reserve.execute({ lines: [{ variantId: v, quantity: 3 }], ttlS: 600, key: `checkout-${randomUUID()}` });
    expect(await repos.inventory.findLevel(v)).to.deep.include({ onHand: 26, reserved: 8, available: 18 });
    await close.commit(sold.id);
    await close.release(dropped.id);
    await record(v, 'return', 1);
    expect(await repos.inventory.findLevel(v)).to.deep.include({ onHand: 22, reserved: 0, available: 22 });
    const kinds = (await repos.inventory.movements(v, pageRequest(1, 20))).items.map((m) => m.kind).sort();
    expect(kinds).to.deep.equal(['adjustment', 'receipt', 'release', 'reservation', 'reservation', 'return', 'sale']);
    await assertLedger(v);
    expect((await close.commit(sold.id)).status, 'commit again answers the same').to.equal('committed');
    expect(await close.release(sold.id).catch((e: unknown) => (isAppError(e) ? e.code : e))).to.equal('CONFLICT');
    await assertLedger(v);
  });

  it('when one line of a reservation lacks stock, then no line is reserved; the same key again answers the first reservation', async () => {
    const [a, b] = [await variant(), await variant()];
    await record(a, 'receipt', 10);
    await record(b, 'receipt', 1);
    const reserve = new ReserveStock(deps);
    const err = await reserve.execute({ lines: [{ variantId: a, quantity: 2 }, { variantId: b, quantity: 2 }], ttlS: 60, key: `checkout-${randomUUID()}` }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).to.equal('INSUFFICIENT_STOCK');
    expect((await repos.inventory.findLevel(a))!.reserved).to.equal(0);
    await assertLedger(a);
    const key = `checkout-${randomUUID()}`;
    const first = await reserve.execute({ lines: [{ variantId: a, quantity: 2 }], ttlS: 60, key });
    const again = await reserve.execute({ lines: [{ variantId: a, quantity: 2 }], ttlS: 60, key });
    expect(again.id).to.equal(first.id);
    expect((await repos.inventory.findLevel(a))!.reserved).to.equal(2);
    const other = await reserve.execute({ lines: [{ variantId: a, quantity: 3 }], ttlS: 60, key }).catch((e: unknown) => e);
    expect(isAppError(other) && other.code).to.equal('CONFLICT');
  });

  it('when reservations pass their time, then the release job expires them and the stock is available again', async () => {
    const v = await variant();
    await record(v, 'receipt', 3);
    const close = new CloseReservation(deps);
    const r = await new ReserveStock(deps).execute({ lines: [{ variantId: v, quantity: 3 }], ttlS: 30, key: `checkout-${randomUUID()}` });
    expect(await repos.inventory.expiredReservations(new Date(now.getTime() + 29_000), 10)).to.not.include(r.id);
    const saved = now;
    now = new Date(now.getTime() + 31_000);
    try {
      expect(await close.commit(r.id).catch((e: unknown) => (isAppError(e) ? e.code : e)), 'too late to commit').to.equal('CONFLICT');
      expect(await new ExpireReservations({ inventory: repos.inventory, closeReservation: close, clock }).execute()).to.be.at.least(1);
    } finally {
      now = saved;
    }
    expect((await repos.inventory.findReservation(r.id))!.status).to.equal('expired');
    expect(await repos.inventory.findLevel(v)).to.deep.include({ onHand: 3, reserved: 0, available: 3 });
    await assertLedger(v);
  });

  it('when available crosses the low-stock threshold, then catalog.stock.low is raised once per crossing', async () => {
    const v = await variant({ lowStockThreshold: 5 });
    await record(v, 'receipt', 10);
    expect(await lowEvents(v)).to.have.length(0);
    await record(v, 'adjustment', -5);
    await record(v, 'adjustment', -1);
    const once = await lowEvents(v);
    expect(once).to.have.length(1);
    expect(once[0]!.payload).to.deep.include({ variantId: v, available: 5, threshold: 5 });
    await record(v, 'receipt', 10);
    await record(v, 'adjustment', -10);
    expect(await lowEvents(v)).to.have.length(2);
  });

  it('when a reservation key is used twice, then the second is a CONFLICT; only an active reservation closes', async () => {
    const key = `checkout-${randomUUID()}`;
    const at = now.toISOString();
    const r = { id: randomUUID(), key, lines: [{ variantId: 'v', quantity: 1 }], status: 'active' as const, expiresAt: at, createdAt: at, updatedAt: at };
    await repos.inventory.createReservation(r);
    const err = await repos.inventory.createReservation({ ...r, id: randomUUID() }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).to.equal('CONFLICT');
    expect((await repos.inventory.findReservationByKey(key))!.id).to.equal(r.id);
    expect(await repos.inventory.closeReservation(r.id, 'released', now)).to.equal(true);
    expect(await repos.inventory.closeReservation(r.id, 'committed', now)).to.equal(false);
    expect((await repos.inventory.findReservation(r.id))!.status).to.equal('released');
  });

  ctx.itIsolation('when 200 checkouts reserve the last 20 units at once, then exactly 20 succeed, 180 get INSUFFICIENT_STOCK and the movements sum to on hand', async () => {
    const v = await variant();
    await record(v, 'receipt', 20);
    const reserve = new ReserveStock(deps);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => reserve.execute({ lines: [{ variantId: v, quantity: 1 }], ttlS: 600, key: `race-${v}-${i}` }).then(() => 'ok', (e: unknown) => (isAppError(e) ? e.code : String(e)))),
    );
    expect(outcomes.filter((o) => o === 'ok')).to.have.length(20);
    expect(outcomes.filter((o) => o === 'INSUFFICIENT_STOCK')).to.have.length(180);
    expect(await repos.inventory.findLevel(v)).to.deep.include({ onHand: 20, reserved: 20, available: 0 });
    await assertLedger(v);
  });

  ctx.itIsolation('when 50 adjustments hit one variant at once, then none is lost', async () => {
    const v = await variant();
    await record(v, 'receipt', 100);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => record(v, 'adjustment', i % 2 === 0 ? 3 : -1, `adj-${i}`)));
    expect(results.every((r) => r !== null)).to.equal(true);
    expect((await repos.inventory.findLevel(v))!.onHand).to.equal(100 + 25 * 3 - 25);
    await assertLedger(v);
  });
});
