import { AppError, notFound } from '../../shared/errors.js';
import type { Principal } from '../../shared/principal.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import type { DeliveryStatus } from '../../delivery/model.js';
import type { PaymentView } from '../payment.js';
import { paymentEvent } from '../payment-events.js';
import { changePayment, type PaymentWriter } from './payment-support.js';

/** The courier hands the order over and takes the cash: from pickup to delivered, not before. */
const COLLECTING: readonly DeliveryStatus[] = ['picked_up', 'at_dropoff', 'delivered'];

/**
 * Cash on delivery: the courier assigned to the order's delivery marks the cash
 * collected, which captures the payment (no provider call). Anyone else is told
 * the payment does not exist. Marking it again answers the payment as it is.
 */
export class CollectCashPayment {
  constructor(private readonly deps: PaymentWriter & { deliveries: Pick<DeliveryRepository, 'findByOrderId'> }) {}

  async execute(principal: Principal, orderId: string): Promise<PaymentView> {
    const delivery = await this.deps.deliveries.findByOrderId(orderId);
    if (!delivery || principal.role !== 'courier' || delivery.courierId !== principal.accountId) throw notFound('Payment');
    const p = await this.deps.payments.findByOrderId(orderId);
    if (!p) throw notFound('Payment');
    if (p.method !== 'cash') throw new AppError('CONFLICT', 'Only a cash payment is collected by the courier', { details: [{ field: 'method', reason: 'not_cash', message: p.method }] });
    if (p.status === 'captured') return p.toView();
    if (!COLLECTING.includes(delivery.status)) {
      throw new AppError('CONFLICT', 'Cash is collected at delivery, after pickup', { details: [{ field: 'delivery.status', reason: 'not_picked_up', message: delivery.status, allowed: COLLECTING }] });
    }
    const actor = { id: principal.accountId, role: principal.role };
    const saved = await changePayment(this.deps, () => this.deps.payments.findByOrderId(orderId), (fresh, at) =>
      fresh.status === 'pending' && fresh.capture(fresh.amountMinor, at) ? [paymentEvent('captured', fresh, at, { actor })] : []);
    const view = (saved ?? p).toView();
    if (view.status !== 'captured') throw new AppError('CONFLICT', `A ${view.status} payment cannot be collected`, { details: [{ field: 'status', reason: 'illegal_transition', message: view.status }] });
    return view;
  }
}
