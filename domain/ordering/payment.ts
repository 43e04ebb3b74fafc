import { AppError, validationError } from '../shared/errors.js';

/** How a customer pays. Wallet: from the customer's ledger wallet (Finance's WalletFunds reserves it at checkout). */
export const PAYMENT_METHODS = ['cash', 'card', 'wallet'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * pending: created, nothing held (a cash payment stays here until the courier collects it);
 * authorized: the card's funds are held; captured: the money is taken; voided: the hold was
 * released (or a cash order ended unpaid); failed: the provider refused; refunded /
 * partially_refunded: money went back.
 */
export const PAYMENT_STATUSES = ['pending', 'authorized', 'captured', 'voided', 'failed', 'refunded', 'partially_refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The one transition table of a payment. Anything not listed is refused, so nothing moves backwards. */
export const PAYMENT_TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  pending: ['authorized', 'captured', 'voided', 'failed'],
  authorized: ['captured', 'voided', 'failed'],
  captured: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  voided: [],
  failed: [],
  refunded: [],
};

export const canMove = (from: PaymentStatus, to: PaymentStatus): boolean => PAYMENT_TRANSITIONS[from].includes(to);

export interface Actor {
  id: string;
  role: string;
}

/**
 * Where a refund's money goes: `original` back the way it was paid (the card; a wallet payment to the
 * wallet), or `wallet` into the customer's wallet instead (no provider call; the ledger's reversal leaves
 * the money there). The admin chooses it per refund, at the customer's wish.
 */
export const REFUND_DESTINATIONS = ['original', 'wallet'] as const;
export type RefundDestination = (typeof REFUND_DESTINATIONS)[number];

export interface Refund {
  id: string;
  amountMinor: number;
  reason: string;
  /** The provider's refund id (null for money returned outside a provider). */
  providerRef: string | null;
  /** What made this refund unique (the request's idempotency key, or the event that caused it): a retry finds it here. */
  key: string;
  actor: Actor | null;
  at: string;
  /** Absent on refunds recorded before destinations existed: `original`. */
  destination?: RefundDestination;
}

export interface PaymentProps {
  id: string;
  orderId: string;
  checkoutId: string;
  customerId: string;
  storeId: string;
  method: PaymentMethod;
  status: PaymentStatus;
  amountMinor: number;
  currency: string;
  providerRef: string | null;
  declineCode: string | null;
  capturedMinor: number;
  refundedMinor: number;
  refunds: Refund[];
  /** When each status was entered (ISO-8601). */
  timeline: Partial<Record<PaymentStatus, string>>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type PaymentView = PaymentProps;

export interface CreatePaymentInput {
  id: string;
  orderId: string;
  checkoutId: string;
  customerId: string;
  storeId: string;
  method: PaymentMethod;
  amountMinor: number;
  currency: string;
  at: Date;
}

export const isMinorAmount = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

/**
 * One payment per order. Its rules: amounts are positive integer minor units, a refund
 * never takes more than was captured and not yet refunded, and a status only moves along
 * PAYMENT_TRANSITIONS. Every change bumps the version (optimistic concurrency in the repository).
 */
export class Payment {
  private constructor(private props: PaymentProps) {}

  static create(input: CreatePaymentInput): Payment {
    if (!isMinorAmount(input.amountMinor)) throw validationError('The amount must be a positive whole number of minor units', [{ field: 'amountMinor', message: 'a positive integer' }]);
    if (!/^[A-Z]{3}$/.test(input.currency)) throw validationError('The currency must be an ISO 4217 code', [{ field: 'currency', message: 'three capital letters' }]);
    const at = input.at.toISOString();
    return new Payment({
      id: input.id, orderId: input.orderId, checkoutId: input.checkoutId, customerId: input.customerId, storeId: input.storeId,
      method: input.method, status: 'pending', amountMinor: input.amountMinor, currency: input.currency,
      providerRef: null, declineCode: null, capturedMinor: 0, refundedMinor: 0, refunds: [],
      timeline: { pending: at }, version: 1, createdAt: at, updatedAt: at,
    });
  }

  static restore(props: PaymentProps): Payment {
    return new Payment({ ...props, refunds: props.refunds.map((r) => ({ ...r })), timeline: { ...props.timeline } });
  }

  get id(): string { return this.props.id; }
  get orderId(): string { return this.props.orderId; }
  get method(): PaymentMethod { return this.props.method; }
  get status(): PaymentStatus { return this.props.status; }
  get version(): number { return this.props.version; }
  get providerRef(): string | null { return this.props.providerRef; }
  get amountMinor(): number { return this.props.amountMinor; }
  get refundableMinor(): number { return this.props.capturedMinor - this.props.refundedMinor; }

  /** The provider took the card's hold. A repeat with the same reference changes nothing (false). */
  authorize(providerRef: string, at: Date): boolean {
    if (this.props.status === 'authorized' && this.props.providerRef === providerRef) return false;
    this.assertMove('authorized');
    this.props.providerRef = providerRef;
    this.move('authorized', at);
    return true;
  }

  /** A cash payment is accepted with a reference and no hold: it stays pending until collected. */
  attachReference(providerRef: string, at: Date): void {
    this.props.providerRef = providerRef;
    this.touch(at);
  }

  /** The provider refused. */
  fail(declineCode: string | null, at: Date): boolean {
    if (this.props.status === 'failed') return false;
    this.assertMove('failed');
    this.props.declineCode = declineCode;
    this.move('failed', at);
    return true;
  }

  /** The money is taken: a card's hold is captured, or the courier collected the cash. */
  capture(amountMinor: number, at: Date): boolean {
    if (this.props.status === 'captured') return false;
    this.assertMove('captured');
    if (!isMinorAmount(amountMinor) || amountMinor > this.props.amountMinor) {
      throw validationError('A capture takes a positive amount no larger than the payment', [{ field: 'amountMinor', message: `1..${this.props.amountMinor}` }]);
    }
    this.move('captured', at);
    this.props.capturedMinor = amountMinor;
    return true;
  }

  /** The hold is released (card) or the unpaid cash order ended. */
  void(at: Date): boolean {
    if (this.props.status === 'voided') return false;
    this.move('voided', at);
    return true;
  }

  /** The refund made under `key`, if any: a retried refund finds the first one here. */
  refundByKey(key: string): Refund | undefined {
    return this.props.refunds.find((r) => r.key === key);
  }

  /** Checks a refund before the provider is asked: positive integer minor units, at most what is left. */
  assertRefundable(amountMinor: number): void {
    if (this.props.status !== 'captured' && this.props.status !== 'partially_refunded') {
      throw new AppError('CONFLICT', `A ${this.props.status} payment cannot be refunded`, { details: [{ field: 'status', reason: 'not_captured', message: `status is ${this.props.status}` }] });
    }
    if (!isMinorAmount(amountMinor)) throw validationError('A refund is a positive whole number of minor units', [{ field: 'amountMinor', message: 'a positive integer' }]);
    if (amountMinor > this.refundableMinor) {
      throw new AppError('REFUND_EXCEEDS_CAPTURED', `Only ${this.refundableMinor} minor units are left to refund`, { details: [{ field: 'amountMinor', reason: 'exceeds_captured', message: `at most ${this.refundableMinor}`, refundableMinor: this.refundableMinor }] });
    }
  }

  /** Records money returned; the status follows from what is left. A refund already recorded under the same key changes nothing. */
  refund(r: Omit<Refund, 'at'>, at: Date): boolean {
    if (this.refundByKey(r.key)) return false;
    this.assertRefundable(r.amountMinor);
    const refunded = this.props.refundedMinor + r.amountMinor;
    this.move(refunded === this.props.capturedMinor ? 'refunded' : 'partially_refunded', at);
    this.props.refundedMinor = refunded;
    this.props.refunds.push({ ...r, at: at.toISOString() });
    return true;
  }

  toProps(): PaymentProps {
    return { ...this.props, refunds: this.props.refunds.map((r) => ({ ...r })), timeline: { ...this.props.timeline } };
  }

  toView(): PaymentView {
    return this.toProps();
  }

  /** Checked before any field changes, so a refused move leaves the payment exactly as it was. */
  private assertMove(to: PaymentStatus): void {
    const from = this.props.status;
    if (!canMove(from, to)) {
      throw new AppError('CONFLICT', `A ${from} payment cannot become ${to}`, { details: [{ field: 'status', reason: 'illegal_transition', message: `${from} → ${to}`, allowed: PAYMENT_TRANSITIONS[from] }] });
    }
  }

  private move(to: PaymentStatus, at: Date): void {
    this.assertMove(to);
    this.props.status = to;
    this.props.timeline[to] = at.toISOString();
    this.touch(at);
  }

  private touch(at: Date): void {
    this.props.updatedAt = at.toISOString();
    this.props.version += 1;
  }
}
