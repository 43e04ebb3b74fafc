import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { notFound } from '../../shared/errors.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import type { MovementKind, StockChange, StockLevel } from '../inventory.js';
import type { InventoryRepository, StoreRepository } from '../ports.js';
import { stockLowEvent } from '../product-events.js';

export interface StockDeps {
  inventory: InventoryRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

/** Admins holding this permission manage any store's products and stock. */
export const STORES_PERMISSION = 'stores:manage';

/** The variant's level, when the caller owns its store (or manages every store); otherwise NOT_FOUND. */
export async function levelYouManage(deps: { inventory: InventoryRepository; stores: StoreRepository }, principal: Principal, variantId: string): Promise<StockLevel> {
  const level = await deps.inventory.findLevel(variantId);
  const store = level ? await deps.stores.findById(level.storeId) : null;
  if (!level || !store || !canAccess(principal, store.ownerId, STORES_PERMISSION)) throw notFound('Variant');
  return level;
}

/**
 * Applies one change and appends its movement, inside the caller's
 * transaction, and raises `catalog.stock.low` when available just crossed
 * down to the threshold. Null when the change's condition failed (nothing changed).
 */
export async function moveStock(
  deps: StockDeps,
  m: { variantId: string; kind: MovementKind; change: StockChange; reservationId?: string | null; key?: string | null; note?: string | null; at: Date },
): Promise<StockLevel | null> {
  const level = await deps.inventory.applyChange(m.variantId, m.change, m.at);
  if (!level) return null;
  const appended = await deps.inventory.appendMovement({
    id: deps.ids.next(),
    variantId: m.variantId,
    storeId: level.storeId,
    kind: m.kind,
    onHandDelta: m.change.onHand,
    reservedDelta: m.change.reserved,
    reservationId: m.reservationId ?? null,
    key: m.key ?? null,
    note: m.note ?? null,
    at: m.at.toISOString(),
  });
  if (!appended) return null;
  if ((await deps.inventory.markLowCrossing(m.variantId)) === 'low') await deps.outbox.add([stockLowEvent(level, m.at)]);
  return level;
}
