import type { ZoneShape } from '../catalog/store-zone.js';
import { z } from 'zod';
import { AppError, validationError } from '../shared/errors.js';

/** The ways a message reaches a person. `in_app` is the stored inbox, pushed live to the account's sockets. */
export const CHANNELS = ['email', 'sms', 'push', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Arabic first: the marketplace's default; English is the fallback every default template has. */
export const LOCALES = ['ar', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ar';
export const DEFAULT_TIME_ZONE = 'Asia/Damascus';

/** What a message is about: the unit a person turns channels on and off by. */
export const CATEGORIES = ['orders', 'offers', 'payouts', 'stock', 'account', 'security', 'announcements'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The locales to try for a template, most wanted first: the recipient's, the default, then every other. */
export function localeFallback(wanted: Locale): Locale[] {
  return [...new Set<Locale>([wanted, DEFAULT_LOCALE, ...LOCALES])];
}

// ------------------------------------------------------------------ templates

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}/g;

/** The `{{name}}` placeholders of a text, in order of appearance, each once. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * The variable paths an event's payload schema offers (`orderNumber`, `actor.role`):
 * the fields of its object shape, nested objects followed, optional and nullable unwrapped.
 */
export function variablesOf(schema: z.ZodType): string[] {
  const out: string[] = [];
  const walk = (s: z.ZodType, prefix: string) => {
    const inner = unwrap(s);
    if (inner instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
        const path = prefix ? `${prefix}.${key}` : key;
        const obj = unwrap(child);
        if (obj instanceof z.ZodObject) walk(obj, path);
        else out.push(path);
      }
    }
  };
  walk(schema, '');
  return out;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (let i = 0; i < 8; i++) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    else break;
  }
  return cur;
}

export interface TemplateProps {
  eventType: string;
  channel: Channel;
  locale: Locale;
  /** Email subject, push title, inbox title; null for SMS. */
  title: string | null;
  body: string;
  updatedAt: Date;
  /** The admin who saved it; null for a built-in default. */
  updatedBy: string | null;
}

const TITLE_MAX = 200;
const BODY_MAX: Record<Channel, number> = { email: 10_000, sms: 480, push: 1_000, in_app: 2_000 };

/** One message text for (event type, channel, locale), its placeholders all known to the event's schema. */
export class NotificationTemplate {
  private constructor(private readonly props: TemplateProps) {}

  /**
   * Refuses (TEMPLATE_VARIABLE_UNKNOWN) a placeholder the event's payload does not carry,
   * so a typo is caught when the template is saved, never when a message is sent.
   */
  static create(props: TemplateProps, variables: readonly string[]): NotificationTemplate {
    const title = props.channel === 'sms' ? null : props.title;
    if (props.channel !== 'sms' && !title) throw validationError('A title is required for this channel', [{ field: 'title', message: `required for ${props.channel}` }]);
    if (title && title.length > TITLE_MAX) throw validationError('Title too long', [{ field: 'title', message: `at most ${TITLE_MAX} characters` }]);
    if (!props.body.trim() || props.body.length > BODY_MAX[props.channel]) throw validationError('Invalid body', [{ field: 'body', message: `1 to ${BODY_MAX[props.channel]} characters for ${props.channel}` }]);
    const known = new Set(variables);
    const unknown = [...new Set([...placeholdersOf(title ?? ''), ...placeholdersOf(props.body)])].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new AppError('TEMPLATE_VARIABLE_UNKNOWN', `Unknown template variable: ${unknown.join(', ')}`, {
        details: unknown.map((v) => ({ field: 'body', reason: 'unknown_variable', message: `{{${v}}} is not a field of ${props.eventType}`, variable: v, allowed: variables })),
      });
    }
    return new NotificationTemplate({ ...props, title });
  }

  static restore(props: TemplateProps): NotificationTemplate {
    return new NotificationTemplate({ ...props });
  }

  get key(): { eventType: string; channel: Channel; locale: Locale } {
    return { eventType: this.props.eventType, channel: this.props.channel, locale: this.props.locale };
  }

  render(payload: unknown): { title: string | null; body: string } {
    return { title: this.props.title === null ? null : fill(this.props.title, payload), body: fill(this.props.body, payload) };
  }

  toProps(): TemplateProps {
    return { ...this.props };
  }
}

function fill(text: string, payload: unknown): string {
  return text.replace(PLACEHOLDER, (_, path: string) => {
    let v: unknown = payload;
    for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    return v === undefined || v === null ? '' : String(v);
  });
}

// ------------------------------------------------------------------ preferences

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export interface QuietHours {
  /** Local time `HH:MM` in the account's time zone; a window may cross midnight (22:00–07:00). */
  start: string;
  end: string;
}

export interface PreferenceProps {
  accountId: string;
  locale: Locale;
  timeZone: string;
  quietHours: QuietHours | null;
  /** Channels turned off, per category (absent: on). */
  muted: Partial<Record<Category, Channel[]>>;
  updatedAt: Date;
}

/** Channels quiet hours hold back: the ones that make a phone ring. Email and the inbox wait for the person anyway. */
export const INTRUSIVE_CHANNELS: readonly Channel[] = ['push', 'sms'];

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Minutes since local midnight of `at` in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return h * 60 + m;
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A person's choices: locale, time zone, quiet hours, and channels muted per category. */
export class NotificationPreferences {
  private constructor(private readonly props: PreferenceProps) {}

  static defaults(accountId: string, at: Date): NotificationPreferences {
    return new NotificationPreferences({ accountId, locale: DEFAULT_LOCALE, timeZone: DEFAULT_TIME_ZONE, quietHours: null, muted: {}, updatedAt: at });
  }

  static create(props: PreferenceProps): NotificationPreferences {
    if (!isTimeZone(props.timeZone)) throw validationError('Unknown time zone', [{ field: 'timeZone', message: 'must be an IANA time zone such as Asia/Damascus' }]);
    if (props.quietHours && (!HHMM.test(props.quietHours.start) || !HHMM.test(props.quietHours.end) || props.quietHours.start === props.quietHours.end)) {
      throw validationError('Invalid quiet hours', [{ field: 'quietHours', message: 'start and end are different HH:MM times' }]);
    }
    const muted: Partial<Record<Category, Channel[]>> = {};
    for (const [cat, chans] of Object.entries(props.muted) as [Category, Channel[]][]) if (chans.length) muted[cat] = [...new Set(chans)].sort();
    return new NotificationPreferences({ ...props, muted });
  }

  static restore(props: PreferenceProps): NotificationPreferences {
    return new NotificationPreferences(props);
  }

  get locale(): Locale { return this.props.locale; }

  allows(category: Category, channel: Channel): boolean {
    return !(this.props.muted[category] ?? []).includes(channel);
  }

  /**
   * Milliseconds until the quiet window ends when `at` falls inside it, else 0.
   * Minutes are whole: the window ends at the first minute past `end`.
   */
  quietFor(at: Date): number {
    const q = this.props.quietHours;
    if (!q) return 0;
    const now = localMinutes(at, this.props.timeZone);
    const start = toMinutes(q.start);
    const end = toMinutes(q.end);
    const inside = start < end ? now >= start && now < end : now >= start || now < end;
    if (!inside) return 0;
    const left = (end - now + 24 * 60) % (24 * 60);
    return left * 60_000 - at.getUTCSeconds() * 1_000 - at.getUTCMilliseconds();
  }

  toProps(): PreferenceProps {
    return { ...this.props, quietHours: this.props.quietHours ? { ...this.props.quietHours } : null, muted: { ...this.props.muted } };
  }
}

// ------------------------------------------------------------------ devices, inbox, deliveries

export const PLATFORMS = ['ios', 'android', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface DeviceToken {
  token: string;
  accountId: string;
  platform: Platform;
  appVersion: string;
  lastSeenAt: Date;
  createdAt: Date;
}

export interface InboxMessage {
  id: string;
  accountId: string;
  eventType: string;
  category: Category;
  title: string;
  body: string;
  /** Ids the app needs to open the right screen (orderId, storeId…). */
  data: Record<string, string>;
  createdAt: Date;
  readAt: Date | null;
}

export const DELIVERY_STATUSES = ['claimed', 'sent', 'failed', 'skipped', 'retrying'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One (source, recipient, channel) message. Its key is claimed before anything is
 * sent, so a retried or redelivered job never sends twice: at most once.
 */
export interface DeliveryRecord {
  /** `<source id>:<account id>:<channel>`; the source is an event id or a bulk send id. */
  key: string;
  sourceId: string;
  accountId: string;
  channel: Channel;
  eventType: string;
  /** The bulk send this message belongs to, if any. */
  bulkId: string | null;
  status: DeliveryStatus;
  /** Why it was skipped or failed (`muted`, `no_email`, `invalid_token`, the provider's error). */
  reason: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export const deliveryKey = (sourceId: string, accountId: string, channel: Channel): string => `${sourceId}:${accountId}:${channel}`;

// ------------------------------------------------------------------ bulk sends

export const BULK_STATUSES = ['queued', 'running', 'done'] as const;
export type BulkStatus = (typeof BULK_STATUSES)[number];

export interface Segment {
  role: 'customer' | 'store_owner' | 'courier';
  /** Only accounts with a device seen since then (the app's last sign of life). */
  lastActiveSince?: Date | undefined;
  /**
   * Only accounts located in this area (the zone geometry stores use): customers with a live
   * saved address in it, owners of a store in it, couriers whose live position is in it.
   */
  area?: ZoneShape | undefined;
}

export interface BulkSend {
  id: string;
  createdBy: string;
  segment: Segment;
  channels: Channel[];
  category: Category;
  /** Per locale; the recipient's locale, else the fallback. */
  content: Partial<Record<Locale, { title: string; body: string }>>;
  status: BulkStatus;
  recipients: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export type BulkReport = Record<Channel, { sent: number; failed: number; skipped: number; pending: number }>;

/** Counts per channel and status as a bulk send's report: claimed and retrying are still pending. */
export function toBulkReport(rows: readonly { channel: Channel; status: DeliveryStatus; n: number }[]): BulkReport {
  const out = Object.fromEntries(CHANNELS.map((c) => [c, { sent: 0, failed: 0, skipped: 0, pending: 0 }])) as BulkReport;
  for (const { channel, status, n } of rows) {
    const slot = out[channel];
    if (!slot) continue;
    if (status === 'sent' || status === 'failed' || status === 'skipped') slot[status] += n;
    else slot.pending += n;
  }
  return out;
}
