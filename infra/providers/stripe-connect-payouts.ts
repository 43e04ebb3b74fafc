import Stripe from 'stripe';
import type { PayoutAnswer, PayoutInstruction, PayoutProvider } from '../../domain/finance/ports.js';
import { AppError } from '../../domain/shared/errors.js';

export interface StripeConnectSettings {
  secretKey: string;
  /** Signs the transfer webhooks (transfer.updated, transfer.reversed): STRIPE_CONNECT_WEBHOOK_SECRET; unset: webhooks are refused and polling alone settles payouts. */
  webhookSecret?: string | undefined;
  /** Where the SDK sends its calls; unset: api.stripe.com over https. */
  host?: string | undefined;
  port?: number | undefined;
  protocol?: 'http' | 'https' | undefined;
  timeoutMs: number;
  /** The SDK's own retries of a dropped call, with the same Idempotency-Key (safe). */
  maxNetworkRetries?: number;
}

/**
 * Stripe's transfers settle at once; payout rails that settle later answer a `status`
 * (`pending` → `paid` | `failed`), as Stripe's own payouts do. A transfer without one is read as paid.
 */
type Transfer = Stripe.Transfer & { status?: string; failure_message?: string | null };
/** A transfer's rail statuses (Stripe's words, not a delivery's): ended without paying, and not settled yet. */
const TRANSFER_FAILED = new Set(['failed', 'canceled']);
const TRANSFER_WAITING = new Set(['pending', 'in_transit']);

/**
 * The second payout provider, Stripe Connect style: one transfer per payout to the owner's
 * connected account (`acct_…`, kept with their bank account), each POSTed with the payout's
 * idempotency key as `Idempotency-Key`, so a resumed batch gets the first transfer back instead
 * of a second one. A pending transfer is polled (`status`) until paid or failed; a reversed one failed.
 * Built on the `stripe` SDK pointed at the configured host (its `host`/`port`/`protocol` options),
 * as the card gateway is: one client library for every Stripe call, and the tests run it against
 * a local stub.
 */
export class StripeConnectPayouts implements PayoutProvider {
  readonly name = 'stripe_connect';
  private readonly stripe: Stripe;

  constructor(private readonly s: StripeConnectSettings) {
    this.stripe = new Stripe(s.secretKey, {
      ...(s.host ? { host: s.host } : {}),
      ...(s.port ? { port: s.port } : {}),
      ...(s.protocol ? { protocol: s.protocol } : {}),
      timeout: s.timeoutMs,
      maxNetworkRetries: s.maxNetworkRetries ?? 2,
      telemetry: false,
      appInfo: { name: 'daraa' },
    });
  }

  async pay(batchId: string, instructions: readonly PayoutInstruction[]): Promise<PayoutAnswer[]> {
    const answers: PayoutAnswer[] = [];
    // One at a time: a batch is tens of payouts a day, and a provider outage then costs one timeout per payout at most.
    for (const i of instructions) answers.push(await this.payOne(batchId, i));
    return answers;
  }

  async status(payoutId: string, providerRef: string): Promise<PayoutAnswer> {
    try {
      return answerOf(payoutId, (await this.stripe.transfers.retrieve(providerRef)) as Transfer);
    } catch (err) {
      return { payoutId, outcome: 'retry', providerRef, error: describe(err) };
    }
  }

  /** `transfer.updated` / `transfer.reversed`, verified by the SDK (v1 HMAC, 300 s tolerance); the payout is the transfer's `metadata.payoutId`. */
  readWebhook(rawBody: string, signature: string | undefined): PayoutAnswer | null {
    if (!this.s.webhookSecret) {
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'Payout webhooks are not configured here (no STRIPE_CONNECT_WEBHOOK_SECRET)', { details: [{ field: 'headers.stripe-signature', reason: 'not_configured', message: 'no webhook secret' }] });
    }
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature ?? '', this.s.webhookSecret);
    } catch (err) {
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'The webhook signature does not verify', { cause: err, details: [{ field: 'headers.stripe-signature', reason: 'bad_signature', message: 'not signed with our webhook secret, or too old' }] });
    }
    if (!event.type.startsWith('transfer.')) return null;
    const t = event.data.object as Transfer;
    const payoutId = t.metadata?.payoutId;
    return payoutId ? answerOf(payoutId, t) : null;
  }

  private async payOne(batchId: string, i: PayoutInstruction): Promise<PayoutAnswer> {
    if (!i.connectedAccountId) return { payoutId: i.payoutId, outcome: 'failed', providerRef: null, error: 'no connected account on file for this owner' };
    try {
      const t = await this.stripe.transfers.create(
        { amount: i.amountMinor, currency: i.currency.toLowerCase(), destination: i.connectedAccountId, transfer_group: batchId, description: i.reference, metadata: { payoutId: i.payoutId } },
        { idempotencyKey: i.idempotencyKey },
      );
      return answerOf(i.payoutId, t as Transfer);
    } catch (err) {
      return { payoutId: i.payoutId, outcome: permanent(err) ? 'failed' : 'retry', providerRef: null, error: describe(err) };
    }
  }
}

function answerOf(payoutId: string, t: Transfer): PayoutAnswer {
  if (t.reversed || TRANSFER_FAILED.has(t.status ?? '')) return { payoutId, outcome: 'failed', providerRef: t.id, error: t.failure_message ?? 'the transfer failed or was reversed' };
  if (TRANSFER_WAITING.has(t.status ?? '')) return { payoutId, outcome: 'in_transit', providerRef: t.id };
  return { payoutId, outcome: 'paid', providerRef: t.id };
}

/** A refusal that will not change on retry: a 4xx other than 409 (a concurrent call with the key) and 429 (rate limit). */
function permanent(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return false;
  const status = err.statusCode ?? 0;
  return status >= 400 && status < 500 && status !== 409 && status !== 429;
}

const describe = (err: unknown) => {
  const e = err as { code?: string; message?: string; statusCode?: number };
  return [e.statusCode, e.code, e.message].filter((x) => x !== undefined && x !== null && x !== '').join(' ').slice(0, 500) || 'provider call failed';
};
