import type { Socket } from 'socket.io';
import { UNSAFE_TEXT_MESSAGE, isSafeText, unsafeTextPaths } from '../domain/shared/text.js';
import type { HubMetrics } from './metrics.js';
import { HEAVY_IN_FLIGHT, UNKNOWN_EVENT_BUDGET, type AckError, type Budget, type NamespaceSpec } from './protocol.js';
import { TokenBucket } from './token-bucket.js';

const UNKNOWN = '*unknown';

/**
 * Every message a socket sends passes here before its handler (socket.io
 * middleware), so what it enforces holds for every event of every namespace,
 * including events added later:
 * - the event's per-socket budget (server/protocol.ts `budget`): over it, the
 *   ack is RATE_LIMITED with `retryAfterMs` and the handler never runs;
 * - an event the namespace does not accept is acked NOT_FOUND (unknown events
 *   share one budget);
 * - NUL bytes and lone surrogates anywhere in the payload are a
 *   VALIDATION_ERROR, before any schema, store or Redis key sees them;
 * - `heavy` events (database reads) run at most HEAVY_IN_FLIGHT at a time per
 *   socket; the socket's other budgeted ones wait in order (at most a burst's
 *   worth), so a burst is spread between other sockets' messages.
 *   A heavy message is done when its handler acks; one sent without an ack
 *   callback is given one, which the handler answers like any other.
 * A message without an ack callback that is refused is dropped silently.
 */
export function guardEvents(socket: Socket, nsp: string, spec: NamespaceSpec, metrics: Pick<HubMetrics, 'acks'>): void {
  const buckets = new Map<string, TokenBucket>();
  const bucketOf = (key: string, budget: Budget) => {
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = new TokenBucket(budget.ratePerS, budget.burst)));
    return b;
  };
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    inFlight -= 1;
    waiting.shift()?.();
  };
  const runHeavy = (packet: unknown[], next: () => void) => {
    if (socket.disconnected) return; // what waited for a socket that has gone is not worth doing
    inFlight += 1;
    const last = packet[packet.length - 1];
    const ack = typeof last === 'function' ? (last as (reply: unknown) => void) : undefined;
    let done = false;
    const settled = (reply: unknown) => {
      if (!done) {
        done = true;
        release();
      }
      ack?.(reply);
    };
    if (ack) packet[packet.length - 1] = settled;
    else packet.push(settled);
    next();
  };
  // Runs for every message: nothing is allocated on the way through except on a refusal.
  const refuse = (label: string, ack: ((reply: AckError) => void) | undefined, reply: AckError) => {
    metrics.acks.inc({ event: label, code: reply.code });
    ack?.(reply);
  };
  socket.use((packet, next) => {
    const event = String(packet[0]);
    const last = packet[packet.length - 1];
    const ack = typeof last === 'function' ? (last as (reply: AckError) => void) : undefined;
    const known = Object.hasOwn(spec.receives, event) ? spec.receives[event] : undefined;
    const label = known ? event : UNKNOWN;
    const budget = known?.budget ?? UNKNOWN_EVENT_BUDGET;
    if (bucketOf(label, budget).take(1) === 0) {
      const retryAfterMs = Math.ceil(1_000 / budget.ratePerS);
      return refuse(label, ack, {
        ok: false,
        code: 'RATE_LIMITED',
        message: `over this socket's budget for ${label} (${budget.ratePerS}/s, burst ${budget.burst})`,
        details: [{ reason: 'event_budget', retryAfterMs, message: `retry in ${retryAfterMs} ms` }],
      });
    }
    if (!known) {
      return refuse(label, ack, { ok: false, code: 'NOT_FOUND', message: `unknown event ${JSON.stringify(event.slice(0, 64))}; ${nsp} accepts ${Object.keys(spec.receives).join(', ')}` });
    }
    const argc = packet.length - (ack ? 2 : 1);
    const args: unknown = argc === 1 ? packet[1] : packet.slice(1, 1 + argc);
    const unsafe = allSafe(args, 0) ? null : unsafeTextPaths(args);
    if (unsafe && unsafe.length > 0) {
      return refuse(label, ack, { ok: false, code: 'VALIDATION_ERROR', message: 'Invalid payload', details: unsafe.map((field) => ({ field, message: UNSAFE_TEXT_MESSAGE })) });
    }
    if (!budget.heavy) return next();
    if (inFlight < HEAVY_IN_FLIGHT) return runHeavy(packet, next);
    waiting.push(() => runHeavy(packet, next));
  });
}

/**
 * Whether every string and key under `value` is safe text, without
 * allocating (a fix, the common message, holds numbers only); the paths of
 * the unsafe ones are worked out only when it is not.
 */
function allSafe(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return isSafeText(value);
  if (value === null || typeof value !== 'object' || depth > 32) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (!allSafe(v, depth + 1)) return false;
    return true;
  }
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    if (!isSafeText(k) || !allSafe((value as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}
