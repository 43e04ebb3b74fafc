import { randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors.js';

/**
 * Outgoing webhooks: endpoints that stores (their own events) and admins
 * (platform events) register, the messages an event becomes for each endpoint
 * that subscribes to it, and every attempt to deliver one.
 */

/** Svix's schedule: the delay before each attempt (the first is immediate); after the last, the message has failed. */
export const RETRY_SCHEDULE_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
/** An endpoint failing continuously this long is disabled and its owner told. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;
/** Success is a 2xx within this. */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** How much of a receiver's answer is kept in the delivery log. */
export const RESPONSE_SNIPPET_BYTES = 1_024;
/** During a rotation the previous secret keeps signing this long by default. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3600 * 1000;
/** A receiver answering with this header value stops the message's retries. */
export const ABORT_HEADER = 'webhook-delivery';
export const ABORT_VALUE = 'abort-message';

export type EndpointStatus = 'enabled' | 'disabled';
export const MESSAGE_STATUSES = ['pending', 'delivered', 'failed', 'aborted'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const ATTEMPT_OUTCOMES = ['delivered', 'failed', 'timeout', 'error', 'aborted'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface EndpointSecret {
  /** `whsec_` + base64 of 24 random bytes, as Standard Webhooks reads it. */
  key: string;
  /** Null for the current secret; a rotated-out secret signs until this instant. */
  expiresAt: string | null;
}

export interface WebhookEndpointProps {
  id: string;
  /** The store whose events it receives; null for a platform endpoint (admins), which receives any subscribed event. */
  storeId: string | null;
  createdBy: string;
  url: string;
  description: string;
  eventTypes: string[];
  /** One entity's (aggregate's) messages are delivered one at a time, in order. */
  ordered: boolean;
  status: EndpointStatus;
  disabledReason: string | null;
  /** When the current run of failures began; null after a success. */
  failingSince: string | null;
  secrets: EndpointSecret[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const newSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

const invalid = (field: string, message: string) => new AppError('VALIDATION_ERROR', message, { details: [{ field, message }] });

export class WebhookEndpoint {
  private constructor(private props: WebhookEndpointProps) {}

  static create(input: { id: string; storeId: string | null; createdBy: string; url: string; description?: string; eventTypes: string[]; ordered?: boolean; at: Date }): WebhookEndpoint {
    if (input.eventTypes.length === 0) throw invalid('eventTypes', 'choose at least one event type');
    const at = input.at.toISOString();
    return new WebhookEndpoint({
      id: input.id, storeId: input.storeId, createdBy: input.createdBy, url: input.url, description: input.description ?? '',
      eventTypes: [...new Set(input.eventTypes)].sort(), ordered: input.ordered ?? false, status: 'enabled', disabledReason: null,
      failingSince: null, secrets: [{ key: newSecret(), expiresAt: null }], version: 1, createdAt: at, updatedAt: at,
    });
  }

  static restore(props: WebhookEndpointProps): WebhookEndpoint {
    return new WebhookEndpoint({ ...props, eventTypes: [...props.eventTypes], secrets: props.secrets.map((s) => ({ ...s })) });
  }

  get id() { return this.props.id; }
  get storeId() { return this.props.storeId; }
  get url() { return this.props.url; }
  get status() { return this.props.status; }
  get ordered() { return this.props.ordered; }
  get version() { return this.props.version; }
  get failingSince() { return this.props.failingSince; }
  get eventTypes(): readonly string[] { return this.props.eventTypes; }

  toProps(): WebhookEndpointProps {
    return { ...this.props, eventTypes: [...this.props.eventTypes], secrets: this.props.secrets.map((s) => ({ ...s })) };
  }

  /** What owners see: everything but the secrets. */
  view() {
    const { secrets, ...rest } = this.toProps();
    return { ...rest, secretRotating: secrets.length > 1 };
  }

  /** The current secret (owners read it to verify signatures). */
  get secret(): string {
    return this.props.secrets.find((s) => s.expiresAt === null)!.key;
  }

  /** The secrets that sign a delivery now: the current one, and a rotated-out one until its overlap ends. */
  signingSecrets(now: Date): string[] {
    return this.props.secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime()).map((s) => s.key);
  }

  update(patch: { url?: string; description?: string; eventTypes?: string[]; ordered?: boolean; enabled?: boolean }, now: Date): void {
    if (patch.eventTypes !== undefined) {
      if (patch.eventTypes.length === 0) throw invalid('eventTypes', 'choose at least one event type');
      this.props.eventTypes = [...new Set(patch.eventTypes)].sort();
    }
    if (patch.url !== undefined) this.props.url = patch.url;
    if (patch.description !== undefined) this.props.description = patch.description;
    if (patch.ordered !== undefined) this.props.ordered = patch.ordered;
    if (patch.enabled === true && this.props.status === 'disabled') {
      this.props.status = 'enabled';
      this.props.disabledReason = null;
      this.props.failingSince = null;
    } else if (patch.enabled === false) this.disable('disabled by its owner');
    this.touch(now);
  }

  /** A new current secret; the old one keeps signing for `overlapMs` (both signatures are sent meanwhile). */
  rotate(overlapMs: number, now: Date): void {
    const expiresAt = new Date(now.getTime() + overlapMs).toISOString();
    const kept = this.props.secrets.filter((s) => s.expiresAt !== null && Date.parse(s.expiresAt) > now.getTime());
    this.props.secrets = [{ key: newSecret(), expiresAt: null }, ...(overlapMs > 0 ? [{ key: this.secret, expiresAt }] : []), ...kept];
    this.touch(now);
  }

  recordSuccess(now: Date): boolean {
    if (this.props.failingSince === null) return false;
    this.props.failingSince = null;
    this.touch(now);
    return true;
  }

  /** A failed attempt: starts (or continues) the failing run; true when this disables the endpoint. */
  recordFailure(now: Date, disableAfterMs: number): boolean {
    if (this.props.failingSince === null) {
      this.props.failingSince = now.toISOString();
      this.touch(now);
      return false;
    }
    if (this.props.status === 'enabled' && now.getTime() - Date.parse(this.props.failingSince) >= disableAfterMs) {
      this.disable('failing continuously');
      this.touch(now);
      return true;
    }
    return false;
  }

  private disable(reason: string): void {
    this.props.status = 'disabled';
    this.props.disabledReason = reason;
  }

  private touch(now: Date): void {
    this.props.version += 1;
    this.props.updatedAt = now.toISOString();
  }
}

export interface WebhookMessageProps {
  /** `msg_…`: the `webhook-id` header, the same on every attempt and replay (receivers dedupe by it). */
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** The entity whose events an ordered endpoint receives one at a time. */
  aggregateId: string;
  /** The entity's version after the event: an ordered endpoint receives an entity's messages by it (then by event id). */
  sequence: number;
  /** When the event happened (committed): the start of the first-attempt delay. */
  occurredAt: string;
  /** The exact bytes signed and sent. */
  body: string;
  status: MessageStatus;
  /** Attempts made so far, across replays. */
  attempts: number;
  /** Attempts made before the current round (a replay starts a new round on the schedule). */
  roundStart: number;
  nextAttemptAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookAttempt {
  messageId: string;
  endpointId: string;
  /** 1-based across the message's life. */
  n: number;
  at: string;
  statusCode: number | null;
  latencyMs: number;
  outcome: AttemptOutcome;
  /** At most RESPONSE_SNIPPET_BYTES of the answer's body. */
  response: string;
  error: string | null;
}

/** What one HTTP attempt came to (infra/providers/webhook-sender.ts). */
export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  outcome: AttemptOutcome;
  response: string;
  error: string | null;
}

export class WebhookMessage {
  private constructor(private props: WebhookMessageProps) {}

  static create(input: { id: string; endpointId: string; eventId: string; eventType: string; aggregateId: string; sequence: number; occurredAt: string; body: string; at: Date }): WebhookMessage {
    const at = input.at.toISOString();
    return new WebhookMessage({ ...input, status: 'pending', attempts: 0, roundStart: 0, nextAttemptAt: at, version: 1, createdAt: at, updatedAt: at });
  }

  static restore(props: WebhookMessageProps): WebhookMessage {
    return new WebhookMessage({ ...props });
  }

  get id() { return this.props.id; }
  get endpointId() { return this.props.endpointId; }
  get status() { return this.props.status; }
  get attempts() { return this.props.attempts; }
  get version() { return this.props.version; }
  get body() { return this.props.body; }
  get aggregateId() { return this.props.aggregateId; }
  get occurredAt() { return this.props.occurredAt; }
  get sequence() { return this.props.sequence; }
  get eventId() { return this.props.eventId; }

  toProps(): WebhookMessageProps {
    return { ...this.props };
  }

  /** The delay before attempt `n` of this round, or null when the round's schedule is spent. */
  delayBefore(n: number, schedule: readonly number[]): number | null {
    const i = n - 1 - this.props.roundStart;
    return i < schedule.length ? schedule[i]! : null;
  }

  /** Records attempt `n`'s result; answers the delay to the next attempt, or null when the message is settled. */
  settle(n: number, result: SendResult, schedule: readonly number[], now: Date): number | null {
    this.props.attempts = n;
    let next: number | null = null;
    if (result.outcome === 'delivered') this.props.status = 'delivered';
    else if (result.outcome === 'aborted') this.props.status = 'aborted';
    else {
      next = this.delayBefore(n + 1, schedule);
      this.props.status = next === null ? 'failed' : 'pending';
    }
    this.props.nextAttemptAt = next === null ? null : new Date(now.getTime() + next).toISOString();
    this.touch(now);
    return next;
  }

  /** The endpoint is disabled: the message fails without an attempt (a recover replays it later). */
  giveUp(now: Date): void {
    this.props.status = 'failed';
    this.props.nextAttemptAt = null;
    this.touch(now);
  }

  /** Replay: a new round on the schedule, starting now. A message still pending cannot be replayed. */
  replay(now: Date): void {
    if (this.props.status === 'pending') throw new AppError('CONFLICT', 'the message is still being delivered');
    this.props.status = 'pending';
    this.props.roundStart = this.props.attempts;
    this.props.nextAttemptAt = now.toISOString();
    this.touch(now);
  }

  private touch(now: Date): void {
    this.props.version += 1;
    this.props.updatedAt = now.toISOString();
  }
}
