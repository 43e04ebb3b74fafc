import type { ProductRepository } from '../../catalog/ports.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import type { Order, OrderStatus } from '../../ordering/order.js';
import type { OrderRepository, PaymentRepository } from '../../ordering/ports.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { OrderMoneyFlows, OrderRefund, SettlementOrder } from './order-flows.js';

export interface FollowOrderMoneyDeps {
  orders: Pick<OrderRepository, 'findById'>;
  payments: Pick<PaymentRepository, 'findByOrderId'>;
  deliveries: Pick<DeliveryRepository, 'findByOrderId'>;
  products: Pick<ProductRepository, 'findByIds'>;
  orderMoneyFlows: OrderMoneyFlows;
}

const ENDED: readonly OrderStatus[] = ['cancelled', 'rejected'];
const DELIVERED: readonly OrderStatus[] = ['delivered', 'completed'];

/**
 * The finance consumer's story: reads the order, its payment and its delivery's courier as they
 * are now, and runs the money flow the event calls for. Events of one order may be handled in
 * any order (the relay's queue is at least once, not ordered), so each step first writes what an
 * earlier event would have written: every flow's transfer ids derive from the order id, which
 * makes that repetition a no-op.
 */
export class FollowOrderMoney {
  constructor(private readonly deps: FollowOrderMoneyDeps) {}

  /** A card payment was captured: the money enters the customer's wallet and is held for the order. */
  async paymentCaptured(orderId: string): Promise<void> {
    const order = await this.order(orderId);
    if (order.method !== 'card') return;
    await this.deps.orderMoneyFlows.hold(order);
    // The order may have ended before this event was handled: its release then found nothing to void.
    if (ENDED.includes((await this.deps.orders.findById(orderId))!.status)) await this.deps.orderMoneyFlows.release(order);
  }

  /** The courier delivered: the hold is posted (cash: the courier holds it), commission, fee and cut are paid. */
  async delivered(orderId: string): Promise<void> {
    const order = await this.order(orderId);
    await this.deps.orderMoneyFlows.settleDelivered(order, await this.courierOf(orderId));
    // Refunds made before this event was handled (or before the delivery) are mirrored now.
    await this.deps.orderMoneyFlows.refund(order, await this.refundsOf(orderId));
  }

  /** Rejected or cancelled: the hold is voided and card money goes back to the card. */
  async ended(orderId: string): Promise<void> {
    const order = await this.order(orderId);
    if (order.method === 'card' && (await this.wasCaptured(orderId))) await this.deps.orderMoneyFlows.hold(order);
    await this.deps.orderMoneyFlows.release(order);
  }

  /**
   * The payment was refunded, in full or in part: after delivery, each refund reverses its share of what
   * was posted; before it, an ended order's release returns the money, and an order still under way has
   * its refunds mirrored when it is delivered.
   */
  async refunded(orderId: string): Promise<void> {
    const payment = await this.deps.payments.findByOrderId(orderId);
    if (payment?.status !== 'refunded' && payment?.status !== 'partially_refunded') return;
    const status = (await this.deps.orders.findById(orderId))?.status;
    if (status && DELIVERED.includes(status)) await this.delivered(orderId);
    else if (status && ENDED.includes(status)) await this.ended(orderId);
  }

  private async refundsOf(orderId: string): Promise<OrderRefund[]> {
    const p = (await this.deps.payments.findByOrderId(orderId))?.toProps();
    if (!p) return [];
    // A wallet payment's refunds always return to the wallet; refunds recorded before destinations existed went back the way they came.
    return p.refunds.map((r) => ({ id: r.id, amountMinor: r.amountMinor, destination: p.method === 'wallet' ? 'wallet' : r.destination ?? 'original' }));
  }

  private async order(orderId: string): Promise<SettlementOrder> {
    const order = await this.deps.orders.findById(orderId);
    if (!order) throw notFound('Order');
    return this.settlementOf(order);
  }

  /** The order's lines with their products' categories as they are now (commission rules by category). */
  private async settlementOf(order: Order): Promise<SettlementOrder> {
    const p = order.toProps();
    const products = await this.deps.products.findByIds([...new Set(p.lines.map((l) => l.productId))]);
    const categoryOf = new Map(products.map((pr) => [pr.id, pr.toProps().categoryId]));
    return {
      orderId: p.id, storeId: p.storeId, customerId: p.customerId, method: p.paymentMethod,
      subtotalMinor: p.totals.subtotalMinor, deliveryFeeMinor: p.totals.deliveryFeeMinor, vatMinor: p.totals.vatMinor, totalMinor: p.totals.totalMinor,
      lines: p.lines.map((l) => ({ variantId: l.variantId, productId: l.productId, categoryId: categoryOf.get(l.productId) ?? null, lineTotalMinor: l.lineTotalMinor })),
      placedAt: p.createdAt,
    };
  }

  private async courierOf(orderId: string): Promise<string> {
    const courierId = (await this.deps.deliveries.findByOrderId(orderId))?.courierId;
    // A delivered order always had a courier; without one the event is retried rather than settled to nobody.
    if (!courierId) throw new AppError('CONFLICT', `order ${orderId} has no courier to pay`, { details: [{ field: 'courierId', reason: 'no_courier', message: 'missing' }] });
    return courierId;
  }

  private async wasCaptured(orderId: string): Promise<boolean> {
    return ((await this.deps.payments.findByOrderId(orderId))?.toProps().capturedMinor ?? 0) > 0;
  }
}
