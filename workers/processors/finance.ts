import type { DomainEvent } from '../../domain/shared/events.js';
import { ORDER_EVENT_BY_STATUS } from '../../domain/ordering/order-events.js';
import { paymentCaptured, paymentRefunded } from '../../domain/ordering/payment-events.js';
import type { FollowOrderMoney } from '../../domain/finance/use-cases/follow-order-money.js';
import type { WalletTopUps } from '../../domain/finance/use-cases/wallet-top-ups.js';
import { topUpCaptured } from '../../domain/finance/top-up.js';
import { UnrecoverableError } from 'bullmq';
import { eventConsumer, type ConsumerDeps } from '../consume.js';

/** Both payment and order events name their order; that id is all the flows need (they read the rest). */
const orderIdOf = (event: DomainEvent): string => (event.payload as { orderId: string }).orderId;

/**
 * The finance consumer: the ledger follows payments and orders (docs/finance.md, "The finance consumer").
 * The event id is recorded in the transaction of the transfers, and the transfer ids derive from the
 * order id, so a redelivered event writes nothing twice.
 */
export function financeProcessor(deps: ConsumerDeps & { followOrderMoney: FollowOrderMoney; walletTopUps?: Pick<WalletTopUps, 'credit'> }) {
  const f = deps.followOrderMoney;
  const handlers: Record<string, (orderId: string) => Promise<void>> = {
    [paymentCaptured.type]: (id) => f.paymentCaptured(id),
    [paymentRefunded.type]: (id) => f.refunded(id),
    [ORDER_EVENT_BY_STATUS.delivered.type]: (id) => f.delivered(id),
    [ORDER_EVENT_BY_STATUS.cancelled.type]: (id) => f.ended(id),
    [ORDER_EVENT_BY_STATUS.rejected.type]: (id) => f.ended(id),
  };
  return eventConsumer('finance', deps, async (event) => {
    if (event.type === topUpCaptured.type) {
      // A captured wallet top-up: credited by a transfer whose id is the top-up's.
      if (!deps.walletTopUps) throw new UnrecoverableError('this finance consumer was built without wallet top-ups');
      await deps.walletTopUps.credit((event.payload as { topUpId: string }).topUpId);
      return;
    }
    await handlers[event.type]!(orderIdOf(event));
  });
}
