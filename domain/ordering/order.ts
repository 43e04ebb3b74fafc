import { AppError, validationError } from '../shared/errors.js';
import { coordinate, type Coordinate } from '../shared/coordinate.js';
import type { Role } from '../shared/principal.js';
import type { LocalizedText } from '../catalog/category.js';

export const ORDER_STATUSES = ['placed', 'awaiting_payment', 'confirmed', 'rejected', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered', 'completed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

import { PAYMENT_METHODS, type PaymentMethod } from './payment.js';
export { PAYMENT_METHODS, type PaymentMethod };

/**
 * Who asks for a transition, as the order sees them: the order's customer, the
 * owner of its store, an admin with `orders:manage`, or the system (payments,
 * the auto-reject job, the delivery-event consumer).
 */
export const ORDER_ACTORS = ['customer', 'store', 'admin', 'system'] as const;
export type OrderActor = (typeof ORDER_ACTORS)[number];

/** One edge of the table: who may take it, whether a reason is needed, and for which payment methods it exists. */
export interface OrderEdge {
  by: readonly OrderActor[];
  /** `always`: every actor gives a reason; `staff`: everyone but the customer does. */
  reason?: 'always' | 'staff';
  /** The edge exists only for these payment methods (a card order is confirmed once authorised, never from `placed`). */
  methods?: readonly PaymentMethod[];
}

const STAFF: readonly OrderActor[] = ['store', 'admin'];
const CANCEL_BEFORE_CONFIRM: OrderEdge = { by: ['customer', 'store', 'admin', 'system'], reason: 'staff' };
const CANCEL_AFTER_CONFIRM: OrderEdge = { by: STAFF, reason: 'always' };
const REJECT: OrderEdge = { by: ['store', 'admin', 'system'], reason: 'always' };

/**
 * The one transition table of an order, with who may take each edge. Everything
 * that moves an order goes through `Order.transition`, which enforces it.
 * picked_up and delivered follow the delivery (system only); completed follows delivered.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderStatus, OrderEdge>>>>> = {
  placed: {
    awaiting_payment: { by: ['system'], methods: ['card', 'wallet'] },
    confirmed: { by: STAFF, methods: ['cash'] },
    rejected: REJECT,
    cancelled: CANCEL_BEFORE_CONFIRM,
  },
  awaiting_payment: { confirmed: { by: STAFF }, rejected: REJECT, cancelled: CANCEL_BEFORE_CONFIRM },
  confirmed: { preparing: { by: STAFF }, cancelled: CANCEL_AFTER_CONFIRM },
  preparing: { ready_for_pickup: { by: STAFF }, cancelled: CANCEL_AFTER_CONFIRM },
  ready_for_pickup: { picked_up: { by: ['system'] }, cancelled: CANCEL_AFTER_CONFIRM },
  picked_up: { delivered: { by: ['system'] } },
  delivered: { completed: { by: ['system'] } },
  completed: {},
  rejected: {},
  cancelled: {},
};

export const isFinalOrderStatus = (s: OrderStatus): boolean => Object.keys(ORDER_TRANSITIONS[s]).length === 0;
/**
 * What entering a status does to the stock the order holds (its reservation):
 * the store's confirm sells it, an order that will not be fulfilled gives it back
 * at once. A cancel after confirm finds the sale made and leaves it (the store
 * books any units it gets back as a stock movement).
 */
export const STOCK_ON_ENTERING: Readonly<Partial<Record<OrderStatus, 'commit' | 'release'>>> = { confirmed: 'commit', rejected: 'release', cancelled: 'release' };
/** The one status in which an order's delivery may be given to a courier: its store has it ready. */
export const READY_FOR_COURIER: OrderStatus = 'ready_for_pickup';
export const isReadyForCourier = (s: OrderStatus): boolean => s === READY_FOR_COURIER;
/** The store still has to answer: what the auto-reject job looks for. */
export const AWAITING_STORE: readonly OrderStatus[] = ['placed', 'awaiting_payment'];

/** The edges `actor` may take from `from` for an order paid with `method`. */
export function allowedTransitions(from: OrderStatus, actor: OrderActor, method: PaymentMethod): OrderStatus[] {
  return (Object.entries(ORDER_TRANSITIONS[from]) as [OrderStatus, OrderEdge][])
    .filter(([, e]) => e.by.includes(actor) && (!e.methods || e.methods.includes(method)))
    .map(([to]) => to);
}

export interface OrderLine {
  variantId: string;
  productId: string;
  /** The product's name when the order was placed (with the variant's options, if the checkout adds them). */
  name: LocalizedText;
  unitPriceMinor: number;
  quantity: number;
  lineTotalMinor: number;
}

export interface OrderTotals {
  subtotalMinor: number;
  deliveryFeeMinor: number;
  vatMinor: number;
  /** subtotal + delivery fee + VAT. */
  totalMinor: number;
}

/** Where the order goes, as the customer's address read at checkout. */
export interface OrderDropoff {
  point: Coordinate;
  addressId: string | null;
  label: string | null;
  line: string;
  building: string | null;
  floor: string | null;
  notes: string | null;
}

/** Who made the last change (null: the system). */
export interface ActorRef {
  id: string;
  role: Role;
}

export interface OrderProps {
  id: string;
  /** Human-readable and unique: D-YYMMDD-NNNN, a per-day (UTC) sequence. */
  number: string;
  checkoutId: string;
  storeId: string;
  customerId: string;
  lines: OrderLine[];
  currency: string;
  totals: OrderTotals;
  paymentMethod: PaymentMethod;
  dropoff: OrderDropoff;
  status: OrderStatus;
  /** When each status was entered. */
  timeline: Partial<Record<OrderStatus, string>>;
  /** Why it was rejected or cancelled; null otherwise. */
  reason: string | null;
  /** Optimistic concurrency: bumped by every change, checked on save. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type OrderView = OrderProps;

/** A status change the order raised; order-events.ts turns it into the outbox event. */
export interface OrderChange {
  from: OrderStatus | null;
  to: OrderStatus;
  actor: ActorRef | null;
  reason: string | null;
  at: string;
  version: number;
}

export interface PlaceOrderInput {
  id: string;
  number: string;
  checkoutId: string;
  storeId: string;
  customerId: string;
  lines: readonly OrderLine[];
  currency: string;
  deliveryFeeMinor: number;
  vatMinor: number;
  paymentMethod: PaymentMethod;
  dropoff: { point: { lat: number; lng: number }; addressId?: string | null; label?: string | null; line: string; building?: string | null; floor?: string | null; notes?: string | null };
  at: Date;
}

export const ORDER_NUMBER = /^D-\d{6}-\d{4,}$/;
/** The day part of an order number: the UTC date as YYMMDD. */
export const orderNumberDay = (at: Date): string => at.toISOString().slice(2, 10).replace(/-/g, '');
export const formatOrderNumber = (day: string, n: number): string => `D-${day}-${String(n).padStart(4, '0')}`;
/** A search by number: a prefix of letters, digits and dashes (nothing a LIKE or a regex reads specially), upper-cased. */
export function orderNumberPrefix(prefix: string): string {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9-]{1,32}$/.test(prefix)) throw validationError('number must be letters, digits and dashes', [{ field: 'number', message: 'letters, digits and dashes, at most 32' }]);
  return prefix.toUpperCase();
}

const MAX_LINES = 100;
const MAX_QUANTITY = 1_000;
const minor = (v: number, field: string) => {
  if (!Number.isSafeInteger(v) || v < 0) throw validationError(`${field} must be a non-negative integer of minor units`, [{ field, message: 'must be a non-negative integer' }]);
  return v;
};
const id = (v: string, field: string) => {
  if (typeof v !== 'string' || !v || v.length > 128) throw validationError(`${field} is required`, [{ field, message: 'required, at most 128 characters' }]);
  return v;
};
const text = (v: string | null | undefined, field: string, max: number): string | null => {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'string' || v.length > max) throw validationError(`${field} is too long`, [{ field, message: `at most ${max} characters` }]);
  return v;
};

function checkedLine(l: OrderLine, i: number): OrderLine {
  const f = `lines.${i}`;
  if (!Number.isSafeInteger(l.quantity) || l.quantity < 1 || l.quantity > MAX_QUANTITY) throw validationError('quantity out of range', [{ field: `${f}.quantity`, message: `1 to ${MAX_QUANTITY}` }]);
  minor(l.unitPriceMinor, `${f}.unitPriceMinor`);
  if (l.lineTotalMinor !== l.unitPriceMinor * l.quantity) throw validationError('a line total must be unit price × quantity', [{ field: `${f}.lineTotalMinor`, message: 'must equal unitPriceMinor × quantity' }]);
  if (!l.name || typeof l.name.ar !== 'string' || typeof l.name.en !== 'string') throw validationError('a line needs its name', [{ field: `${f}.name`, message: 'ar and en are required' }]);
  return { variantId: id(l.variantId, `${f}.variantId`), productId: id(l.productId, `${f}.productId`), name: { ar: l.name.ar, en: l.name.en }, unitPriceMinor: l.unitPriceMinor, quantity: l.quantity, lineTotalMinor: l.lineTotalMinor };
}

/** One store's part of a checkout: its lines and totals frozen when placed, then moved along the table. */
export class Order {
  private readonly changes: OrderChange[] = [];
  private constructor(private props: OrderProps) {}

  /** A new order in `placed`, with its `ordering.order.placed` change raised. */
  static place(input: PlaceOrderInput): Order {
    if (!ORDER_NUMBER.test(input.number)) throw validationError('order number must read D-YYMMDD-NNNN', [{ field: 'number', message: 'D-YYMMDD-NNNN' }]);
    if (!(PAYMENT_METHODS as readonly string[]).includes(input.paymentMethod)) throw validationError('unknown payment method', [{ field: 'paymentMethod', message: PAYMENT_METHODS.join(', ') }]);
    if (!/^[A-Z]{3}$/.test(input.currency)) throw validationError('currency must be an ISO 4217 code', [{ field: 'currency', message: 'three capital letters' }]);
    if (!input.lines.length || input.lines.length > MAX_LINES) throw validationError('an order has 1 to 100 lines', [{ field: 'lines', message: `1 to ${MAX_LINES} lines` }]);
    const lines = input.lines.map(checkedLine);
    const subtotalMinor = lines.reduce((s, l) => s + l.lineTotalMinor, 0);
    const deliveryFeeMinor = minor(input.deliveryFeeMinor, 'deliveryFeeMinor');
    const vatMinor = minor(input.vatMinor, 'vatMinor');
    const totalMinor = minor(subtotalMinor + deliveryFeeMinor + vatMinor, 'totalMinor');
    const at = input.at.toISOString();
    const d = input.dropoff;
    const line = text(d.line, 'dropoff.line', 300);
    if (!line) throw validationError('the dropoff address needs its line', [{ field: 'dropoff.line', message: 'required' }]);
    const order = new Order({
      id: id(input.id, 'id'),
      number: input.number,
      checkoutId: id(input.checkoutId, 'checkoutId'),
      storeId: id(input.storeId, 'storeId'),
      customerId: id(input.customerId, 'customerId'),
      lines,
      currency: input.currency,
      totals: { subtotalMinor, deliveryFeeMinor, vatMinor, totalMinor },
      paymentMethod: input.paymentMethod,
      dropoff: { point: coordinate(d.point.lat, d.point.lng, 'dropoff.point'), addressId: text(d.addressId, 'dropoff.addressId', 128), label: text(d.label, 'dropoff.label', 40), line, building: text(d.building, 'dropoff.building', 100), floor: text(d.floor, 'dropoff.floor', 20), notes: text(d.notes, 'dropoff.notes', 500) },
      status: 'placed',
      timeline: { placed: at },
      reason: null,
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
    order.changes.push({ from: null, to: 'placed', actor: { id: order.props.customerId, role: 'customer' }, reason: null, at, version: 1 });
    return order;
  }

  static restore(props: OrderProps): Order {
    return new Order(structuredClone(props));
  }

  get id(): string {
    return this.props.id;
  }
  get number(): string {
    return this.props.number;
  }
  get status(): OrderStatus {
    return this.props.status;
  }
  get storeId(): string {
    return this.props.storeId;
  }
  get customerId(): string {
    return this.props.customerId;
  }
  get paymentMethod(): PaymentMethod {
    return this.props.paymentMethod;
  }
  get version(): number {
    return this.props.version;
  }
  get dropoffPoint(): Coordinate {
    return this.props.dropoff.point;
  }

  /**
   * Moves along ORDER_TRANSITIONS, if `by` may take that edge. Asking for the
   * status the order already has is a no-op (false), so a retried request or a
   * redelivered event changes nothing. An illegal move is CONFLICT with the
   * moves `by` may make; an edge `by` may not take is FORBIDDEN.
   */
  transition(to: OrderStatus, by: OrderActor, opts: { actor: ActorRef | null; reason?: string | null; at: Date }): boolean {
    const from = this.props.status;
    if (from === to) return false;
    const edge = ORDER_TRANSITIONS[from][to];
    if (!edge || (edge.methods && !edge.methods.includes(this.props.paymentMethod))) {
      throw new AppError('CONFLICT', `order cannot go from ${from} to ${to}`, { details: [{ field: 'status', reason: 'illegal_transition', message: `allowed from ${from}: ${allowedTransitions(from, by, this.props.paymentMethod).join(', ') || 'none'}`, from, to, allowed: allowedTransitions(from, by, this.props.paymentMethod) }] });
    }
    if (!edge.by.includes(by)) throw new AppError('FORBIDDEN', `You may not move this order to ${to}`, { details: [{ reason: 'not_your_transition', message: `${to} is for ${edge.by.join(', ')}` }] });
    const reason = opts.reason?.trim() || null;
    if (!reason && (edge.reason === 'always' || (edge.reason === 'staff' && by !== 'customer'))) {
      throw validationError(`A reason is required to move the order to ${to}`, [{ field: 'reason', message: `required for ${to}` }]);
    }
    const iso = opts.at.toISOString();
    this.props.status = to;
    this.props.timeline[to] = iso;
    if (to === 'rejected' || to === 'cancelled' || reason) this.props.reason = reason;
    this.props.version += 1;
    this.props.updatedAt = iso;
    this.changes.push({ from, to, actor: opts.actor, reason, at: iso, version: this.props.version });
    return true;
  }

  /** Changes raised since the last call; the use case writes them to the outbox in the save's transaction. */
  pullChanges(): OrderChange[] {
    return this.changes.splice(0, this.changes.length);
  }

  toProps(): OrderProps {
    return structuredClone(this.props);
  }
  toView(): OrderView {
    return this.toProps();
  }
}
