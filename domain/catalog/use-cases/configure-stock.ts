import { validationError } from '../../shared/errors.js';
import type { Principal } from '../../shared/principal.js';
import { MAX_QUANTITY, type StockLevel } from '../inventory.js';
import type { StoreRepository } from '../ports.js';
import { stockLowEvent } from '../product-events.js';
import { levelYouManage, type StockDeps } from './stock-support.js';

export interface StockSettings {
  allowBackorder?: boolean;
  lowStockThreshold?: number | null;
}

/** The owner sets whether a variant sells beyond its stock and where "low" starts. */
export class ConfigureStock {
  constructor(private readonly deps: StockDeps & { stores: StoreRepository }) {}

  async execute(principal: Principal, variantId: string, settings: StockSettings): Promise<StockLevel> {
    await levelYouManage(this.deps, principal, variantId);
    const t = settings.lowStockThreshold;
    if (t !== undefined && t !== null && (!Number.isInteger(t) || t < 0 || t > MAX_QUANTITY)) {
      throw validationError('lowStockThreshold must be a whole number ≥ 0', [{ field: 'lowStockThreshold', message: 'must be a whole number ≥ 0' }]);
    }
    return this.deps.unitOfWork.transaction(async () => {
      const level = (await this.deps.inventory.configure(variantId, settings, this.deps.clock.now()))!;
      // A new threshold may put the variant below it already: that is a crossing too.
      const crossing = await this.deps.inventory.markLowCrossing(variantId);
      if (crossing === 'low') {
        await this.deps.outbox.add([stockLowEvent(level, this.deps.clock.now())]);
      }
      return (await this.deps.inventory.findLevel(variantId))!;
    });
  }
}
