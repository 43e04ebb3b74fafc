import { zoneShape } from './store-zones.js';
import { id, queryNumber, text, z } from '../zod.js';
import { CATEGORIES, CHANNELS, LOCALES, PLATFORMS } from '../../domain/notification/model.js';
import type { AccountNotifications } from '../../domain/notification/use-cases/account-notifications.js';
import type { ManageTemplates } from '../../domain/notification/use-cases/manage-templates.js';
import type { BulkSendQueries, CreateBulkSend } from '../../domain/notification/use-cases/bulk-send.js';
import { TRIGGER_EVENT_TYPES } from '../../domain/notification/triggers.js';
import { admin, defineRoute, roles, type RouteSpec } from '../route-kit.js';

export interface NotificationRouteDeps {
  accountNotifications: AccountNotifications;
  manageTemplates: ManageTemplates;
  createBulkSend: CreateBulkSend;
  bulkSendQueries: BulkSendQueries;
}

/** Admin permission for templates and bulk sends (super_admin holds it). */
export const NOTIFICATIONS_PERMISSION = 'notifications:manage';

const everyone = roles('customer', 'store_owner', 'courier', 'admin');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
const channel = z.enum(CHANNELS);
const category = z.enum(CATEGORIES);
const muted = z.partialRecord(category, z.array(channel).max(CHANNELS.length));

const preferencesSchema = z.object({
  accountId: z.string(), locale: z.enum(LOCALES), timeZone: z.string(),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  muted: z.record(z.string(), z.array(channel)), updatedAt: z.string(),
}).openapi('NotificationPreferences', { example: { accountId: '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d', locale: 'ar', timeZone: 'Asia/Damascus', quietHours: { start: '22:00', end: '07:00' }, muted: { orders: ['sms'] }, updatedAt: '2026-01-01T12:00:00.000Z' } });
const preferencesBody = z.strictObject({
  locale: z.enum(LOCALES).optional(),
  timeZone: text(64).optional().openapi({ description: 'IANA time zone quiet hours are read in', example: 'Asia/Damascus' }),
  quietHours: z.strictObject({ start: hhmm, end: hhmm }).nullable().optional().openapi({ description: 'Push and SMS wait until the window ends (critical messages do not); null turns it off' }),
  muted: muted.optional().openapi({ description: 'Channels turned off per category; replaces the whole map' }),
}).openapi('NotificationPreferencesPatch', { example: { quietHours: { start: '22:00', end: '07:00' }, muted: { announcements: ['sms', 'push'] } } });

const deviceSchema = z.object({ token: z.string(), accountId: z.string(), platform: z.enum(PLATFORMS), appVersion: z.string(), lastSeenAt: z.string(), createdAt: z.string() })
  .openapi('PushDevice', { example: { token: 'fcm-token-abc', accountId: '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d', platform: 'android', appVersion: '2.4.1', lastSeenAt: '2026-01-01T12:00:00.000Z', createdAt: '2026-01-01T12:00:00.000Z' } });
const deviceBody = z.strictObject({ token: text(4096), platform: z.enum(PLATFORMS), appVersion: text(32) }).openapi('PushDeviceRegistration', { example: { token: 'fcm-token-abc', platform: 'android', appVersion: '2.4.1' } });

const INBOX_EXAMPLE = { id: '01J0000000000000000000000A', eventType: 'ordering.order.confirmed', category: 'orders', title: 'تم قبول طلبك', body: 'قبل المتجر طلبك D-1042 وبدأ العمل عليه.', data: { orderId: '3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a11' }, createdAt: '2026-01-01T12:00:00.000Z', readAt: null };
export const inboxMessageSchema = z.object({ id: z.string(), eventType: z.string(), category: z.string(), title: z.string(), body: z.string(), data: z.record(z.string(), z.string()), createdAt: z.string(), readAt: z.string().nullable() })
  .openapi('InboxMessage', { example: INBOX_EXAMPLE });
const inboxSchema = z.object({ items: z.array(inboxMessageSchema), unread: z.number().int() }).openapi('Inbox', { example: { items: [INBOX_EXAMPLE], unread: 1 } });
const readBody = z.strictObject({ ids: z.array(id).min(1).max(200).optional() }).openapi('InboxReadRequest', { example: { ids: [INBOX_EXAMPLE.id] } });
const readAnswer = z.object({ updated: z.number().int(), unread: z.number().int() }).openapi('InboxReadResult', { example: { updated: 1, unread: 0 } });

const templateKey = z.strictObject({ eventType: z.enum(TRIGGER_EVENT_TYPES as [string, ...string[]]), channel, locale: z.enum(LOCALES) });
const templateSchema = z.object({
  eventType: z.string(), channel, locale: z.enum(LOCALES), title: z.string().nullable(), body: z.string(), source: z.enum(['saved', 'default']),
  variables: z.array(z.string()), updatedAt: z.string().nullable(), updatedBy: z.string().nullable(),
}).openapi('NotificationTemplate', { example: { eventType: 'ordering.order.confirmed', channel: 'push', locale: 'en', title: 'Order {{orderNumber}} accepted', body: 'The store accepted your order {{orderNumber}}.', source: 'saved', variables: ['orderId', 'orderNumber', 'totalMinor'], updatedAt: '2026-01-01T12:00:00.000Z', updatedBy: 'a1b2c3' } });
const templateBody = z.strictObject({ title: text(200).nullable().optional(), body: text(10_000) })
  .openapi('NotificationTemplateText', { example: { title: 'Order {{orderNumber}} accepted', body: 'The store accepted your order {{orderNumber}}.' } });

const localized = z.strictObject({ title: text(200), body: text(2_000) });
const bulkBody = z.strictObject({
  segment: z.strictObject({
    role: z.enum(['customer', 'store_owner', 'courier']),
    lastActiveSince: z.iso.datetime().optional().openapi({ description: 'Only accounts with a push device seen since then' }),
    area: zoneShape.optional().openapi({ description: 'Only accounts in this area (a zone shape, same rules as delivery zones; 422 ZONE_* otherwise): customers with a saved address in it, owners of a store in it, couriers online in it now' }),
  }),
  channels: z.array(channel).min(1).max(CHANNELS.length),
  category: category.default('announcements'),
  content: z.strictObject({ ar: localized.optional(), en: localized.optional() }),
}).openapi('BulkSendRequest', { example: { segment: { role: 'courier', lastActiveSince: '2026-01-01T00:00:00.000Z' }, channels: ['push', 'in_app'], category: 'announcements', content: { ar: { title: 'تنبيه', body: 'يغلق المركز غداً الساعة ٦' }, en: { title: 'Heads up', body: 'The hub closes at 6 tomorrow' } } } });
const counts = z.object({ sent: z.number().int(), failed: z.number().int(), skipped: z.number().int(), pending: z.number().int() });
const bulkSchema = z.object({
  id: z.string(), createdBy: z.string(), segment: z.object({ role: z.string(), lastActiveSince: z.string().nullable(), area: zoneShape.nullable() }), channels: z.array(channel), category: z.string(),
  content: z.record(z.string(), z.object({ title: z.string(), body: z.string() })), status: z.enum(['queued', 'running', 'done']), recipients: z.number().int(),
  createdAt: z.string(), finishedAt: z.string().nullable(), report: z.record(z.string(), counts),
}).openapi('BulkSend', {
  example: {
    id: '5d0c7f3a-2b1e-4c9d-8a7f-6e5d4c3b2a19', createdBy: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', segment: { role: 'courier', lastActiveSince: '2026-01-01T00:00:00.000Z', area: null },
    channels: ['push', 'in_app'], category: 'announcements', content: { ar: { title: 'تنبيه', body: 'يغلق المركز غداً الساعة ٦' } }, status: 'done', recipients: 3,
    createdAt: '2026-01-02T09:00:00.000Z', finishedAt: '2026-01-02T09:00:02.000Z',
    report: { email: { sent: 0, failed: 0, skipped: 0, pending: 0 }, sms: { sent: 0, failed: 0, skipped: 0, pending: 0 }, push: { sent: 2, failed: 0, skipped: 1, pending: 0 }, in_app: { sent: 3, failed: 0, skipped: 0, pending: 0 } },
  },
});

/** /api/v1/notifications (your own preferences, devices, inbox) and /api/v1/admin/notification* (templates, bulk sends). */
export function notificationRoutes(d: NotificationRouteDeps): RouteSpec[] {
  const tags = ['notifications'];
  const manage = admin(NOTIFICATIONS_PERMISSION);
  return [
    defineRoute({
      method: 'get', path: '/api/v1/notifications/preferences', tags, access: everyone,
      summary: 'Your notification preferences (defaults until you change them)', response: preferencesSchema,
      handler: ({ auth }) => d.accountNotifications.preferences(auth),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/notifications/preferences', tags, access: everyone,
      summary: 'Change your locale, time zone, quiet hours or muted channels per category (critical messages ignore them)',
      body: preferencesBody, response: preferencesSchema, errors: ['VALIDATION_ERROR'],
      handler: ({ auth, body }) => d.accountNotifications.updatePreferences(auth, body),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/notifications/devices', tags, access: everyone, status: 201,
      summary: 'Register (or refresh) a push token of your device; a token registered by another account moves to you',
      body: deviceBody, response: deviceSchema,
      handler: ({ auth, body }) => d.accountNotifications.registerDevice(auth, body),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/notifications/devices', tags, access: everyone,
      summary: 'Your registered push devices', response: z.array(deviceSchema),
      handler: ({ auth }) => d.accountNotifications.devices(auth),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/notifications/devices/:token', tags, access: everyone, hidesForeign: true,
      summary: 'Unregister one of your push tokens (at sign-out)', params: z.strictObject({ token: text(4096) }),
      response: z.object({ token: z.string(), deleted: z.literal(true) }).openapi({ example: { token: 'fcm-token-abc', deleted: true } }), errors: ['NOT_FOUND'],
      handler: async ({ auth, params }) => {
        await d.accountNotifications.removeDevice(auth, params.token);
        return { token: params.token, deleted: true as const };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/notifications/inbox', tags, access: everyone,
      summary: 'Your in-app messages, newest first, with the unread count (`before`: the last id of the previous page)',
      query: z.strictObject({ limit: queryNumber(z.number().int().min(1).max(100)).optional(), unreadOnly: z.enum(['true', 'false']).optional(), before: id.optional() }),
      response: inboxSchema,
      handler: ({ auth, query }) => d.accountNotifications.inbox(auth, { limit: query.limit ?? 20, unreadOnly: query.unreadOnly === 'true', before: query.before }),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/notifications/inbox/read', tags, access: everyone,
      summary: 'Mark messages read (the listed ids, or all without `ids`); ids of other accounts change nothing',
      body: readBody, response: readAnswer,
      handler: ({ auth, body }) => d.accountNotifications.markRead(auth, body.ids),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/notification-templates', tags, access: manage,
      summary: 'Every trigger\'s texts per channel and locale: saved ones and the built-in defaults, with the variables each may use',
      query: z.strictObject({ eventType: z.enum(TRIGGER_EVENT_TYPES as [string, ...string[]]).optional() }), response: z.array(templateSchema),
      handler: ({ query }) => d.manageTemplates.list(query.eventType),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/admin/notification-templates/:eventType/:channel/:locale', tags, access: manage,
      summary: 'Save a template; a {{variable}} that is not a field of the event is refused (TEMPLATE_VARIABLE_UNKNOWN)',
      params: templateKey, body: templateBody, response: templateSchema, errors: ['TEMPLATE_VARIABLE_UNKNOWN', 'VALIDATION_ERROR', 'NOT_FOUND'],
      handler: ({ auth, params, body }) => d.manageTemplates.save(auth, params, body),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/admin/notification-templates/:eventType/:channel/:locale', tags, access: manage,
      summary: 'Delete a saved template: the built-in default applies again', params: templateKey,
      response: z.object({ deleted: z.literal(true) }), errors: ['NOT_FOUND'],
      handler: async ({ params }) => {
        await d.manageTemplates.remove(params);
        return { deleted: true as const };
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/notifications/bulk', tags, access: manage, status: 202,
      summary: 'Send one message to a segment (role, last active) through the queues: per-channel rate limits, preferences apply',
      body: bulkBody, response: bulkSchema, errors: ['VALIDATION_ERROR', 'SERVICE_UNAVAILABLE'],
      handler: ({ auth, body }) => d.createBulkSend.execute(auth, { ...body, segment: { role: body.segment.role, ...(body.segment.lastActiveSince ? { lastActiveSince: new Date(body.segment.lastActiveSince) } : {}), ...(body.segment.area ? { area: body.segment.area } : {}) } }),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/notifications/bulk/:id', tags, access: manage,
      summary: 'A bulk send\'s progress and report: sent, failed, skipped and pending per channel',
      params: z.strictObject({ id }), response: bulkSchema, errors: ['NOT_FOUND'],
      handler: ({ params }) => d.bulkSendQueries.get(params.id),
    }),
  ];
}
