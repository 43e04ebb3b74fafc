import { AppError } from '../../shared/errors.js';
import type { NewEvent, Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Payment } from '../payment.js';
import type { PaymentGateway, PaymentRepository } from '../ports.js';

/** What every payment use case that writes needs. */
export interface PaymentWriter {
  payments: PaymentRepository;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
}
export interface PaymentProvider {
  paymentGateway: PaymentGateway;
}
export interface PaymentIds {
  ids: IdGenerator;
}
/** A structural slice of pino: use cases that must leave a trace (a refused webhook) log through it. */
export interface PaymentLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Two writers racing on one payment: the loser reads again and re-decides. */
const ATTEMPTS = 5;

/**
 * Re-reads the payment inside one transaction, lets `decide` change it and name
 * the events it raised (none: nothing to do, nothing written), then saves it under
 * the version it was read at, with its events in the outbox of the same transaction.
 */
export async function changePayment(deps: PaymentWriter, read: () => Promise<Payment | null>, decide: (p: Payment, at: Date) => NewEvent[]): Promise<Payment | null> {
  for (let attempt = 1; ; attempt++) {
    const out = await deps.unitOfWork.transaction(async () => {
      const p = await read();
      if (!p) return { p: null };
      const expected = p.version;
      const events = decide(p, deps.clock.now());
      if (events.length === 0) return { p };
      if (!(await deps.payments.save(p, expected))) return undefined;
      await deps.outbox.add(events);
      return { p };
    });
    if (out) return out.p;
    if (attempt >= ATTEMPTS) throw new AppError('CONFLICT', 'The payment kept changing; try again', { details: [{ reason: 'payment_busy', message: 'concurrent changes' }] });
  }
}

/** The provider's idempotency key for one step of one payment: a retry of the step repeats the same call. */
export const stepKey = (p: Payment, step: string): string => `payment:${p.id}:${step}`;
