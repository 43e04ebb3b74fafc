import { conflict } from '../../shared/errors.js';
import type { Principal } from '../../shared/principal.js';
import { insufficientStock, manualChange, type ManualMovementKind, type StockLevel } from '../inventory.js';
import type { StoreRepository } from '../ports.js';
import { levelYouManage, moveStock, type StockDeps } from './stock-support.js';

export interface StockMovementInput {
  kind: ManualMovementKind;
  /** Signed for adjustments; positive for receipts and returns. */
  quantity: number;
  /** The client's idempotency key: the same key records the movement once. */
  key: string;
  note?: string | null;
}

/**
 * A store owner records a receipt, an adjustment or a return on a variant of
 * their store. Refused with INSUFFICIENT_STOCK (and nothing changed) when it
 * would take on hand, or available without backorders, below 0.
 */
export class RecordStockMovement {
  constructor(private readonly deps: StockDeps & { stores: StoreRepository }) {}

  async execute(principal: Principal, variantId: string, input: StockMovementInput): Promise<StockLevel> {
    await levelYouManage(this.deps, principal, variantId);
    const change = manualChange(input.kind, input.quantity);
    const { inventory, unitOfWork, clock } = this.deps;
    return unitOfWork.transaction(async () => {
      if (await inventory.findMovementByKey(variantId, input.key)) return (await inventory.findLevel(variantId))!;
      const level = await moveStock(this.deps, { variantId, kind: input.kind, change, key: input.key, note: input.note ?? null, at: clock.now() });
      if (level) return level;
      if (await inventory.findMovementByKey(variantId, input.key)) throw conflict('The same key is being recorded by another request; retry to read its result');
      throw insufficientStock(variantId, -input.quantity);
    });
  }
}
