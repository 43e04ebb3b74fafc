import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * A local HTTP server standing in for Stripe: the PaymentIntent endpoints the
 * app uses (create with confirm, capture, cancel, retrieve) and refunds, with
 * Stripe's Idempotency-Key semantics (same key and same parameters: the first
 * answer again, with `Idempotent-Replayed: true`; same key, other parameters:
 * 400 idempotency_error), Stripe's test payment methods (pm_card_visa holds,
 * pm_card_chargeDeclined declines with generic_decline, pm_card_authenticationRequired
 * needs 3-D Secure), a count of the money it holds and takes, and webhooks signed
 * the Stripe way (v1 HMAC-SHA256, through the SDK's generateTestHeaderString).
 *
 * Run it alone for a local card demo: `node --require tsx/cjs test/helpers/stripe-stub.ts`
 * prints the STRIPE_* settings to start the app with.
 */

export interface StubPaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: 'manual' | 'automatic';
  status: 'requires_payment_method' | 'requires_action' | 'requires_capture' | 'succeeded' | 'canceled';
  payment_method: string | null;
  metadata: Record<string, string>;
  last_payment_error: { type: string; code: string; decline_code?: string; message: string } | null;
  latest_charge: string | null;
  created: number;
  livemode: false;
  /** Stub bookkeeping, not Stripe's: what was refunded so far. */
  amount_refunded: number;
}

export interface StubStats {
  /** PaymentIntents created (replays not counted). */
  paymentIntents: number;
  /** PaymentIntents that ever held funds (reached requires_capture). */
  authorizations: number;
  /** PaymentIntents captured: money taken. */
  charges: number;
  /** Captures beyond the first for the same order (metadata.orderId): must stay 0. */
  doubleCharges: number;
  /** Holds beyond the first for the same order: a duplicate checkout that held the card twice. */
  doubleAuthorizations: number;
  capturedMinor: number;
  refunds: number;
  refundedMinor: number;
  declines: number;
  /** Answers replayed for a repeated Idempotency-Key. */
  replays: number;
  /** Requests refused: 400 idempotency_error for a key reused with other parameters. */
  idempotencyConflicts: number;
}

export interface StripeStub {
  url: string;
  /** Settings to hand the app (loadConfig env). */
  env: Record<string, string>;
  secretKey: string;
  webhookSecret: string;
  paymentIntent(id: string): StubPaymentIntent | undefined;
  paymentIntents(): StubPaymentIntent[];
  stats(): StubStats;
  /** Every request, in order (method, path, idempotency key). */
  requests: { method: string; path: string; idempotencyKey: string | null }[];
  /** The next `n` requests are carried out but their answers are lost (the socket is destroyed): the client must retry with the same key. */
  dropNextAnswers(n: number): void;
  /** Where the stub posts the webhooks of its own changes (null: none are sent). */
  setWebhookUrl(url: string | null): void;
  /** Waits until every webhook sent so far was answered. */
  flushWebhooks(): Promise<void>;
  /** Builds a Stripe event about a PaymentIntent (its state now, or `object` as given). */
  event(type: string, object: Record<string, unknown>): Record<string, unknown>;
  /** Signs and posts an event as Stripe does; `secret` overrides the signing secret (to forge a bad signature). */
  sendWebhook(url: string, event: Record<string, unknown>, opts?: { secret?: string; timestamp?: number }): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
}

type Answer = { status: number; body: unknown };

const DECLINED = new Set(['pm_card_chargeDeclined', 'pm_card_visa_chargeDeclined', 'pm_card_declined']);
const NEEDS_ACTION = 'pm_card_authenticationRequired';

/** The SDK sends form encoding with one level of brackets (metadata[orderId]=…). */
function parseForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const m = /^([^[]+)\[([^\]]+)\]$/.exec(k);
    if (m) ((out[m[1]!] ??= {}) as Record<string, string>)[m[2]!] = v;
    else out[k] = v;
  }
  return out;
}

const stripeError = (status: number, type: string, code: string, message: string, extra: Record<string, unknown> = {}): Answer => ({ status, body: { error: { type, code, message, ...extra } } });

export async function startStripeStub(opts: { webhookUrl?: string | null; secretKey?: string; webhookSecret?: string } = {}): Promise<StripeStub> {
  const secretKey = opts.secretKey ?? `sk_test_stub${randomBytes(12).toString('hex')}`;
  const webhookSecret = opts.webhookSecret ?? `whsec_stub${randomBytes(16).toString('hex')}`;
  const signer = new Stripe(secretKey);
  const intents = new Map<string, StubPaymentIntent>();
  const keys = new Map<string, Stored>();
  const requests: StripeStub['requests'] = [];
  const counters = { replays: 0, idempotencyConflicts: 0, declines: 0, refunds: 0, refundedMinor: 0, paymentIntents: 0 };
  const held = new Set<string>();
  const captured = new Set<string>();
  let drop = 0;
  let webhookUrl = opts.webhookUrl ?? null;
  const inFlight = new Set<Promise<unknown>>();
  let seq = 0;
  const newId = (prefix: string) => `${prefix}_stub${(++seq).toString(36).padStart(6, '0')}${randomBytes(4).toString('hex')}`;
  const now = () => Math.floor(Date.now() / 1000);

  const event = (type: string, object: Record<string, unknown>) => ({
    id: newId('evt'), object: 'event', api_version: '2026-11-18.endive', created: now(), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object },
  });

  async function sendWebhook(url: string, ev: Record<string, unknown>, o: { secret?: string; timestamp?: number } = {}) {
    const payload = JSON.stringify(ev);
    const header = signer.webhooks.generateTestHeaderString({ payload, secret: o.secret ?? webhookSecret, ...(o.timestamp ? { timestamp: o.timestamp } : {}) });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  }

  /** Stripe sends webhooks after answering, in no promised order; failures are not retried here. */
  function emit(type: string, pi: StubPaymentIntent, extra: Record<string, unknown> = {}) {
    if (!webhookUrl) return;
    const p = sendWebhook(webhookUrl, event(type, { ...pi, ...extra })).catch(() => undefined);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  const view = (pi: StubPaymentIntent) => {
    const { amount_refunded: _r, ...rest } = pi;
    return rest;
  };

  function createIntent(f: Record<string, unknown>): Answer {
    const amount = Number(f.amount);
    if (!Number.isSafeInteger(amount) || amount < 1) return stripeError(400, 'invalid_request_error', 'parameter_invalid_integer', 'Invalid integer: amount', { param: 'amount' });
    if (typeof f.currency !== 'string' || !/^[a-z]{3}$/.test(f.currency)) return stripeError(400, 'invalid_request_error', 'parameter_invalid', 'Invalid currency', { param: 'currency' });
    counters.paymentIntents++;
    const pm = typeof f.payment_method === 'string' ? f.payment_method : null;
    const pi: StubPaymentIntent = {
      id: newId('pi'), object: 'payment_intent', amount, amount_capturable: 0, amount_received: 0, currency: f.currency,
      capture_method: f.capture_method === 'manual' ? 'manual' : 'automatic', status: 'requires_payment_method', payment_method: pm,
      metadata: (f.metadata as Record<string, string> | undefined) ?? {}, last_payment_error: null, latest_charge: null, created: now(), livemode: false, amount_refunded: 0,
    };
    intents.set(pi.id, pi);
    if (f.confirm !== 'true' || !pm) return { status: 200, body: view(pi) };
    if (DECLINED.has(pm)) {
      counters.declines++;
      pi.last_payment_error = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
      emit('payment_intent.payment_failed', pi);
      return stripeError(402, 'card_error', 'card_declined', 'Your card was declined.', { decline_code: 'generic_decline', payment_intent: view(pi) });
    }
    if (pm === NEEDS_ACTION) {
      pi.status = 'requires_action';
      return { status: 200, body: view(pi) };
    }
    if (pi.capture_method !== 'manual') return stripeError(400, 'invalid_request_error', 'parameter_unknown', 'The stub only holds funds (capture_method=manual)');
    pi.status = 'requires_capture';
    pi.amount_capturable = amount;
    pi.latest_charge = newId('ch');
    held.add(pi.id);
    emit('payment_intent.amount_capturable_updated', pi);
    return { status: 200, body: view(pi) };
  }

  const unexpected = (pi: StubPaymentIntent, action: string) =>
    stripeError(400, 'invalid_request_error', 'payment_intent_unexpected_state', `You cannot ${action} this PaymentIntent because it has a status of ${pi.status}.`, { payment_intent: view(pi) });

  function capture(pi: StubPaymentIntent, f: Record<string, unknown>): Answer {
    if (pi.status !== 'requires_capture') return unexpected(pi, 'capture');
    const amount = f.amount_to_capture === undefined ? pi.amount_capturable : Number(f.amount_to_capture);
    if (!Number.isSafeInteger(amount) || amount < 1 || amount > pi.amount_capturable) return stripeError(400, 'invalid_request_error', 'amount_too_large', 'amount_to_capture is larger than the amount capturable', { param: 'amount_to_capture' });
    pi.status = 'succeeded';
    pi.amount_received = amount;
    pi.amount_capturable = 0;
    captured.add(pi.id);
    emit('payment_intent.succeeded', pi);
    return { status: 200, body: view(pi) };
  }

  function cancel(pi: StubPaymentIntent): Answer {
    if (!['requires_payment_method', 'requires_capture', 'requires_action'].includes(pi.status)) return unexpected(pi, 'cancel');
    pi.status = 'canceled';
    pi.amount_capturable = 0;
    emit('payment_intent.canceled', pi);
    return { status: 200, body: view(pi) };
  }

  function refund(f: Record<string, unknown>): Answer {
    const pi = intents.get(String(f.payment_intent));
    if (!pi) return stripeError(404, 'invalid_request_error', 'resource_missing', `No such payment_intent: '${String(f.payment_intent)}'`, { param: 'payment_intent' });
    if (pi.status !== 'succeeded') return stripeError(400, 'invalid_request_error', 'charge_not_captured', 'This PaymentIntent has not been captured');
    const left = pi.amount_received - pi.amount_refunded;
    const amount = f.amount === undefined ? left : Number(f.amount);
    if (left === 0) return stripeError(400, 'invalid_request_error', 'charge_already_refunded', 'This charge has already been refunded.');
    if (!Number.isSafeInteger(amount) || amount < 1 || amount > left) return stripeError(400, 'invalid_request_error', 'amount_too_large', `Refund amount is greater than unrefunded amount on charge (${left})`, { param: 'amount' });
    pi.amount_refunded += amount;
    counters.refunds++;
    counters.refundedMinor += amount;
    const r = { id: newId('re'), object: 'refund', amount, currency: pi.currency, payment_intent: pi.id, charge: pi.latest_charge, status: 'succeeded', reason: f.reason ?? null, metadata: f.metadata ?? {}, created: now() };
    emit('charge.refunded', pi, { id: pi.latest_charge, object: 'charge', payment_intent: pi.id, amount: pi.amount_received, amount_refunded: pi.amount_refunded, refunded: pi.amount_refunded === pi.amount_received });
    return { status: 200, body: r };
  }

  function route(method: string, path: string, f: Record<string, unknown>): Answer {
    if (method === 'POST' && path === '/v1/payment_intents') return createIntent(f);
    if (method === 'POST' && path === '/v1/refunds') return refund(f);
    const m = /^\/v1\/payment_intents\/([^/]+)(?:\/(capture|cancel))?$/.exec(path);
    const pi = m ? intents.get(decodeURIComponent(m[1]!)) : undefined;
    if (m && !pi) return stripeError(404, 'invalid_request_error', 'resource_missing', `No such payment_intent: '${m[1]}'`, { param: 'intent' });
    if (pi && method === 'GET' && !m![2]) return { status: 200, body: view(pi) };
    if (pi && method === 'POST' && m![2] === 'capture') return capture(pi, f);
    if (pi && method === 'POST' && m![2] === 'cancel') return cancel(pi);
    return stripeError(404, 'invalid_request_error', 'resource_missing', `Unrecognized request URL (${method}: ${path})`);
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
      requests.push({ method, path: url.pathname, idempotencyKey: key });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': newId('req') };
      let answer: Answer;
      if (req.headers.authorization !== `Bearer ${secretKey}`) {
        answer = stripeError(401, 'invalid_request_error', 'api_key_invalid', 'Invalid API Key provided');
      } else {
        const form = method === 'GET' ? Object.fromEntries(url.searchParams) : parseForm(raw);
        // Stripe keys idempotency by key; the parameters must match the first request's.
        const fingerprint = createHash('sha256').update(`${method} ${url.pathname} ${raw}`).digest('hex');
        const stored = key && method === 'POST' ? keys.get(key) : undefined;
        if (stored && stored.fingerprint !== fingerprint) {
          counters.idempotencyConflicts++;
          answer = stripeError(400, 'idempotency_error', 'idempotency_key_in_use', 'Keys for idempotent requests can only be used with the same parameters they were first used with.');
        } else if (stored) {
          counters.replays++;
          headers['idempotent-replayed'] = 'true';
          answer = { status: stored.status, body: stored.body };
        } else {
          // Computed in one synchronous step: a concurrent request with the same key finds it stored.
          answer = route(method, url.pathname, form);
          if (key && method === 'POST' && answer.status < 500) keys.set(key, { fingerprint, status: answer.status, body: answer.body });
        }
      }
      if (drop > 0) {
        drop--;
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, headers);
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  function stats(): StubStats {
    const byOrder = (ids: Set<string>) => {
      const seen = new Map<string, number>();
      for (const id of ids) {
        const order = intents.get(id)?.metadata.orderId ?? id;
        seen.set(order, (seen.get(order) ?? 0) + 1);
      }
      return [...seen.values()].reduce((n, c) => n + c - 1, 0);
    };
    return {
      paymentIntents: counters.paymentIntents, authorizations: held.size, charges: captured.size, doubleCharges: byOrder(captured), doubleAuthorizations: byOrder(held),
      capturedMinor: [...captured].reduce((n, id) => n + (intents.get(id)?.amount_received ?? 0), 0),
      refunds: counters.refunds, refundedMinor: counters.refundedMinor, declines: counters.declines, replays: counters.replays, idempotencyConflicts: counters.idempotencyConflicts,
    };
  }

  return {
    url,
    env: { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: String(port), STRIPE_API_PROTOCOL: 'http' },
    secretKey,
    webhookSecret,
    paymentIntent: (id) => intents.get(id),
    paymentIntents: () => [...intents.values()],
    stats,
    requests,
    dropNextAnswers: (n) => void (drop = n),
    setWebhookUrl: (u) => void (webhookUrl = u),
    flushWebhooks: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    event: (type, object) => event(type, object),
    sendWebhook,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

if (require.main === module) {
  void startStripeStub({ webhookUrl: process.env.STRIPE_STUB_WEBHOOK_URL ?? 'http://127.0.0.1:3000/api/v1/payments/webhooks/stripe' }).then((stub) => {
    process.stdout.write(`Stripe stub on ${stub.url}; start the app with:\n${Object.entries(stub.env).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  });
}
