import { notFound } from '../../shared/errors.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { StoreRepository } from '../../catalog/ports.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import type { PaymentView } from '../payment.js';
import type { PaymentRepository } from '../ports.js';

/**
 * Who sees an order's payment: the customer who pays, the owner of the store,
 * the courier assigned to its delivery (cash to collect), and admins with
 * `payments:read`. Everyone else is told it does not exist.
 */
export class PaymentQueries {
  constructor(private readonly deps: { payments: PaymentRepository; stores: Pick<StoreRepository, 'findById'>; deliveries: Pick<DeliveryRepository, 'findByOrderId'> }) {}

  async byOrder(principal: Principal, orderId: string): Promise<PaymentView> {
    const p = await this.deps.payments.findByOrderId(orderId);
    if (!p || !(await this.mayRead(principal, p.toProps()))) throw notFound('Payment');
    return p.toView();
  }

  private async mayRead(principal: Principal, p: PaymentView): Promise<boolean> {
    if (hasPermission(principal, 'payments:read') || hasPermission(principal, 'payments:refund')) return true;
    if (principal.role === 'customer') return p.customerId === principal.accountId;
    if (principal.role === 'store_owner') return (await this.deps.stores.findById(p.storeId))?.ownerId === principal.accountId;
    if (principal.role === 'courier') return (await this.deps.deliveries.findByOrderId(p.orderId))?.courierId === principal.accountId;
    return false;
  }
}
