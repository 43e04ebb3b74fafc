import type { Page, PageRequest } from '../shared/pagination.js';
import type { MessageStatus, SendResult, WebhookAttempt, WebhookEndpoint, WebhookMessage } from './model.js';

export interface EndpointFilter {
  /** Endpoints of these stores (a store owner's); with `platform`, also platform endpoints. */
  storeIds?: readonly string[];
  platform?: boolean;
}

/**
 * Webhook endpoints. Implementations: SqlWebhookEndpointRepository and
 * MongoWebhookEndpointRepository, both judged by test/contract/webhook-repositories.test.ts.
 */
export interface WebhookEndpointRepository {
  create(endpoint: WebhookEndpoint): Promise<void>;
  findById(id: string): Promise<WebhookEndpoint | null>;
  /** Writes the endpoint if the stored version is still `expectedVersion`; false when someone changed it first. */
  save(endpoint: WebhookEndpoint, expectedVersion: number): Promise<boolean>;
  /** Deletes the endpoint and its messages and attempts; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Newest first. Without a filter: every endpoint (admins). */
  list(filter: EndpointFilter, page: PageRequest): Promise<Page<WebhookEndpoint>>;
  /**
   * The enabled endpoints subscribed to `eventType` that may receive an event of
   * `storeId`: that store's endpoints and every platform endpoint (a store-less
   * event reaches platform endpoints only).
   */
  subscribers(eventType: string, storeId: string | null): Promise<WebhookEndpoint[]>;
}

/**
 * Webhook messages and their attempts (the delivery log). Implementations:
 * SqlWebhookMessageRepository and MongoWebhookMessageRepository.
 */
export interface WebhookMessageRepository {
  /**
   * Stores the messages, one per (endpoint, event): a message whose pair exists
   * is not stored again. Answers the stored message of every pair given, so a
   * repeated fan-out finds the messages of the first.
   */
  createMany(messages: readonly WebhookMessage[]): Promise<WebhookMessage[]>;
  findById(id: string): Promise<WebhookMessage | null>;
  save(message: WebhookMessage, expectedVersion: number): Promise<boolean>;
  /** Logs attempt `n` of a message once; false when that attempt is already logged. */
  recordAttempt(attempt: WebhookAttempt): Promise<boolean>;
  /** A message's attempts, first first. */
  attempts(messageId: string): Promise<WebhookAttempt[]>;
  /** An endpoint's messages, newest first. */
  list(endpointId: string, filter: { status?: MessageStatus }, page: PageRequest): Promise<Page<WebhookMessage>>;
  /** Failed messages of an endpoint created at or after `since`, oldest first. */
  failedSince(endpointId: string, since: Date, limit: number): Promise<WebhookMessage[]>;
  /** Whether an earlier message (by sequence, then event id) of the same entity is still pending at the endpoint. */
  hasEarlierPending(message: WebhookMessage): Promise<boolean>;
}

/** Sends one signed attempt, bounded in time and in bytes read. Implementation: infra/providers/webhook-sender.ts. */
export interface WebhookSender {
  send(request: { url: string; messageId: string; timestamp: Date; body: string; secrets: readonly string[] }): Promise<SendResult>;
}

/** Refuses a destination the platform must not call (not HTTPS, or resolving to a private address). */
export interface DestinationPolicy {
  /** Throws WEBHOOK_URL_REFUSED with the reason. */
  assertAllowed(url: string): Promise<void>;
}

export interface ScheduledAttempt {
  messageId: string;
  /** 1-based across the message's life. */
  attempt: number;
  delayMs: number;
  /** A distinct job for the same attempt: an ordered message waiting for its entity's earlier one. */
  wait?: boolean;
}

/** Schedules attempts (BullMQ delayed jobs keyed by message and attempt, so scheduling one twice adds one job). */
export interface AttemptScheduler {
  schedule(attempts: readonly ScheduledAttempt[]): Promise<void>;
}
