import type { ProcessedEvents } from '../../shared/events.js';
import { canMove, type Payment, type PaymentStatus } from '../payment.js';
import { paymentEvent } from '../payment-events.js';
import type { PaymentWebhooks, ProviderEvent, ProviderPaymentFollower } from '../ports.js';
import { changePayment, type PaymentLog, type PaymentWriter } from './payment-support.js';

export interface WebhookOutcome {
  eventId: string;
  type: string;
  /** applied: the payment moved; duplicate: this event id was handled before; ignored: nothing to do (late, unknown payment, not ours). */
  outcome: 'applied' | 'duplicate' | 'ignored';
}

/** The processed-events consumer name under which webhook event ids are kept (14 days, past the provider's 3 days of retries). */
export const WEBHOOK_CONSUMER = 'stripe-webhook';

type Target = Extract<PaymentStatus, 'authorized' | 'captured' | 'voided' | 'failed'>;
const TARGET: Partial<Record<ProviderEvent['kind'], Target>> = { authorized: 'authorized', captured: 'captured', voided: 'voided', failed: 'failed' };

/**
 * A provider's webhook. The signature is verified first (a bad one throws
 * WEBHOOK_SIGNATURE_INVALID and is logged). The event id is recorded in the
 * transaction of the change it causes, so a redelivery is a no-op. A webhook
 * only moves a payment forward along its transition table: a late one (an
 * amount_capturable_updated after capture) is acknowledged and ignored.
 * Refunds are recorded by the request that made them, so a refund webhook only
 * leaves a log line. A payment that is no order's goes to the wallet top-ups.
 */
export class HandlePaymentWebhook {
  constructor(private readonly deps: PaymentWriter & { paymentWebhooks: PaymentWebhooks; processedEvents: ProcessedEvents; logger: PaymentLog; walletTopUps: ProviderPaymentFollower }) {}

  async execute(rawBody: string, signature: string | undefined): Promise<WebhookOutcome> {
    let ev: ProviderEvent;
    try {
      ev = this.deps.paymentWebhooks.verify(rawBody, signature);
    } catch (err) {
      this.deps.logger.warn({ err, signature: signature ? 'present' : 'missing', bytes: rawBody.length }, 'payment webhook refused: bad signature');
      throw err;
    }
    const target = TARGET[ev.kind];
    let outcome: WebhookOutcome['outcome'] = 'ignored';
    await this.deps.unitOfWork.transaction(async () => {
      if (!(await this.deps.processedEvents.record(WEBHOOK_CONSUMER, ev.id, this.deps.clock.now()))) {
        outcome = 'duplicate';
        return;
      }
      if (!target || !ev.providerRef) return;
      const ref = ev.providerRef;
      let applied = false;
      const payment = await changePayment(this.deps, () => this.deps.payments.findByProviderRef(ref), (p, at) => {
        applied = apply(p, target, ev, at);
        return applied ? [paymentEvent(target, p, at, { reason: target === 'failed' ? ev.declineCode : null })] : [];
      });
      // Not an order's payment: perhaps a wallet top-up's.
      if (!payment) applied = await this.deps.walletTopUps.followProviderEvent(ev);
      if (applied) outcome = 'applied';
    });
    if (outcome === 'ignored' && ev.kind !== 'other') this.deps.logger.info({ eventId: ev.id, type: ev.type, providerRef: ev.providerRef }, 'payment webhook acknowledged without a change (late, repeated or not ours)');
    return { eventId: ev.id, type: ev.type, outcome };
  }
}

/** Moves `p` to `target` when the table allows it from where it is; never backwards. */
function apply(p: Payment, target: Target, ev: ProviderEvent, at: Date): boolean {
  if (p.status === target || !canMove(p.status, target)) return false;
  if (target === 'authorized') return p.method === 'card' && p.authorize(ev.providerRef!, at);
  if (target === 'captured') return p.capture(Math.min(ev.amountMinor ?? p.amountMinor, p.amountMinor), at);
  if (target === 'voided') return p.void(at);
  return p.fail(ev.declineCode, at);
}
