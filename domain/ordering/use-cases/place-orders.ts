import { validationError } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { Order, type OrderLine, type OrderView, type PaymentMethod, type PlaceOrderInput } from '../order.js';
import { toOrderEvents } from '../order-events.js';
import type { OrderRepository } from '../ports.js';

/** One store's part of the checkout, priced and frozen by the checkout. */
export interface StoreOrderInput {
  /** The order's id when the checkout needs it before placing (a card authorisation names it); generated otherwise. */
  orderId?: string;
  /** The order's number when the caller drew it before its transaction (the checkout does); drawn here otherwise. */
  number?: string;
  storeId: string;
  lines: readonly OrderLine[];
  deliveryFeeMinor: number;
  vatMinor: number;
}

export interface PlaceOrdersInput {
  checkoutId: string;
  customerId: string;
  currency: string;
  paymentMethod: PaymentMethod;
  dropoff: PlaceOrderInput['dropoff'];
  /** One order per entry; a store appears at most once. */
  stores: readonly StoreOrderInput[];
}

export interface PlaceOrdersDeps {
  orders: OrderRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  ids: IdGenerator;
  clock: Clock;
}

/**
 * Creates the orders of one checkout, one per store, each in `placed` with its
 * number and its `ordering.order.placed` event. The checkout calls it INSIDE
 * its own transaction (reserving stock, writing the checkout and payments):
 * the transaction here joins the caller's, so the orders, their numbers and
 * their events commit or roll back with the checkout. Called alone, it is one
 * transaction of its own. Numbers are drawn before the transaction (see
 * OrderRepository.nextNumber): a caller with its own transaction passes them in.
 * Totals add up by construction (Order.place); the caller's grand total is the
 * sum of the returned orders' `totals.totalMinor`.
 */
export class PlaceOrders {
  constructor(private readonly deps: PlaceOrdersDeps) {}

  async execute(input: PlaceOrdersInput): Promise<OrderView[]> {
    assertOneOrderPerStore(input.stores);
    const at = this.deps.clock.now();
    const numbers: string[] = [];
    for (const s of input.stores) numbers.push(s.number ?? (await this.deps.orders.nextNumber(at))); // in turn: the stores' order is the numbers' order
    return this.deps.unitOfWork.transaction(async () => {
      const placed: OrderView[] = [];
      for (const [i, s] of input.stores.entries()) {
        const order = Order.place({
          id: s.orderId ?? this.deps.ids.next(),
          number: numbers[i]!,
          checkoutId: input.checkoutId,
          storeId: s.storeId,
          customerId: input.customerId,
          lines: s.lines,
          currency: input.currency,
          deliveryFeeMinor: s.deliveryFeeMinor,
          vatMinor: s.vatMinor,
          paymentMethod: input.paymentMethod,
          dropoff: input.dropoff,
          at,
        });
        await this.deps.orders.create(order);
        await this.deps.outbox.add(toOrderEvents(order, order.pullChanges()));
        placed.push(order.toView());
      }
      return placed;
    });
  }
}

function assertOneOrderPerStore(stores: readonly StoreOrderInput[]): void {
  if (stores.length === 0) throw validationError('A checkout places at least one order', [{ field: 'stores', message: 'at least one store' }]);
  const seen = new Set<string>();
  for (const [i, s] of stores.entries()) {
    if (seen.has(s.storeId)) throw validationError('One order per store', [{ field: `stores.${i}.storeId`, message: 'appears twice' }]);
    seen.add(s.storeId);
  }
}
