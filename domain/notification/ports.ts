import type { BulkReport, BulkSend, BulkStatus, Channel, DeliveryRecord, DeliveryStatus, DeviceToken, InboxMessage, Locale, NotificationPreferences, NotificationTemplate, Segment } from './model.js';
import type { ZoneShape } from '../catalog/store-zone.js';
import type { Permission } from '../shared/principal.js';

/** Saved templates (the built-in defaults live in triggers.ts and are used when none is saved). */
export interface TemplateRepository {
  /** Inserts or replaces the template of its (event type, channel, locale). */
  save(template: NotificationTemplate): Promise<void>;
  find(eventType: string, channel: Channel, locale: Locale): Promise<NotificationTemplate | null>;
  list(eventType?: string): Promise<NotificationTemplate[]>;
  /** True when one was deleted (the built-in default applies again). */
  delete(eventType: string, channel: Channel, locale: Locale): Promise<boolean>;
}

export interface PreferenceRepository {
  find(accountId: string): Promise<NotificationPreferences | null>;
  save(preferences: NotificationPreferences): Promise<void>;
}

/** Push device tokens per account. A token belongs to one account: registering it again moves it. */
export interface DeviceTokenRepository {
  upsert(device: DeviceToken): Promise<void>;
  listByAccount(accountId: string): Promise<DeviceToken[]>;
  /** Removes the token (of `accountId` when given); true when one went. */
  remove(token: string, accountId?: string): Promise<boolean>;
  /** Which of `accountIds` have a device seen at or after `since`. */
  activeSince(accountIds: readonly string[], since: Date): Promise<Set<string>>;
}

export interface InboxRepository {
  add(message: InboxMessage): Promise<void>;
  /** Newest first; `before` (a message id) pages back. */
  list(accountId: string, opts: { limit: number; unreadOnly?: boolean; before?: string | undefined }): Promise<InboxMessage[]>;
  unreadCount(accountId: string): Promise<number>;
  /** Marks the listed messages (or all when `ids` is absent) read; answers how many changed. */
  markRead(accountId: string, at: Date, ids?: readonly string[]): Promise<number>;
}

/**
 * The at-most-once book: a message's key is claimed before it is sent. A claim
 * succeeds for a new key or one released as `retrying` (the send is known not to
 * have happened); a key left `claimed` by a crash stays claimed, never resent.
 */
export interface DeliveryLog {
  claim(record: Omit<DeliveryRecord, 'status' | 'reason' | 'attempts' | 'updatedAt'>, at: Date): Promise<boolean>;
  /** Sets the outcome of a claimed key: sent, failed, skipped, or retrying (released for the next attempt). */
  settle(key: string, status: Exclude<DeliveryStatus, 'claimed'>, reason: string | null, at: Date): Promise<void>;
  /** Records a message that was not sent (muted, no address) without claiming it; a no-op when the key exists. */
  skip(record: Omit<DeliveryRecord, 'status' | 'attempts' | 'updatedAt'>, at: Date): Promise<void>;
  find(key: string): Promise<DeliveryRecord | null>;
  report(bulkId: string): Promise<BulkReport>;
}

export interface BulkSendRepository {
  create(bulk: BulkSend): Promise<void>;
  find(id: string): Promise<BulkSend | null>;
  update(id: string, patch: { status?: BulkStatus; recipients?: number; finishedAt?: Date | null }): Promise<void>;
}

// ------------------------------------------------------------------ channel providers

/** Email over SMTP (nodemailer in production, a real local smtp-server in tests). */
export interface EmailSender {
  send(message: { to: string; subject: string; text: string; locale: Locale }): Promise<void>;
}

/** Push to one device; throws ProviderError with reason `invalid_token` when the provider says the token is dead. */
export interface PushSender {
  send(message: { token: string; title: string; body: string; data: Record<string, string> }): Promise<void>;
}

/** The in-app inbox's live side: tells the account's open sockets (best effort; the inbox is the truth). */
export interface InboxPublisher {
  publish(event: { type: 'notification.created'; accountId: string; message: InboxMessageView; unread: number }): Promise<void>;
}

export interface InboxMessageView {
  id: string;
  eventType: string;
  category: string;
  title: string;
  body: string;
  data: Record<string, string>;
  createdAt: string;
  readAt: string | null;
}

/** Who a recipient is, as notifications need them: read from identity and catalog. */
/**
 * Accounts of a role located in an area, a page at a time: customers by a live saved address,
 * store owners by a store, couriers by their live position (online now). The area is checked
 * exactly (not by its bounding box). An account may come back on two pages (two addresses):
 * the caller dedupes. Implemented in infra/area-audience.ts.
 */
export interface AreaAudience {
  page(role: Segment['role'], area: ZoneShape, cursor: string | null, limit: number): Promise<{ accountIds: string[]; next: string | null }>;
}

export interface RecipientDirectory {
  account(accountId: string): Promise<{ id: string; role: string; phone: string; email: string | null } | null>;
  storeOwner(storeId: string): Promise<string | null>;
  /** Account ids of a role, a page at a time (bulk sends). */
  accountsWithRole(role: string, page: number, limit: number): Promise<string[]>;
  /** Active admins holding `permission`, a page of admins at a time; `more` while the page of admins was full. */
  adminsHolding(permission: Permission, page: number, limit: number): Promise<{ accountIds: string[]; more: boolean }>;
}
