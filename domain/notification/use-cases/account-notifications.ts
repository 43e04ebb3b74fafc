import { notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { NotificationPreferences, type Category, type Channel, type DeviceToken, type InboxMessage, type Locale, type Platform, type PreferenceProps, type QuietHours } from '../model.js';
import type { DeviceTokenRepository, InboxMessageView, InboxRepository, PreferenceRepository } from '../ports.js';

export type PreferencesView = Omit<PreferenceProps, 'updatedAt'> & { updatedAt: string };
export type DeviceView = Omit<DeviceToken, 'lastSeenAt' | 'createdAt'> & { lastSeenAt: string; createdAt: string };

const prefsView = (p: NotificationPreferences): PreferencesView => {
  const props = p.toProps();
  return { ...props, updatedAt: props.updatedAt.toISOString() };
};
const deviceView = (d: DeviceToken): DeviceView => ({ ...d, lastSeenAt: d.lastSeenAt.toISOString(), createdAt: d.createdAt.toISOString() });
export const inboxView = (m: InboxMessage): InboxMessageView => ({ id: m.id, eventType: m.eventType, category: m.category, title: m.title, body: m.body, data: m.data, createdAt: m.createdAt.toISOString(), readAt: m.readAt?.toISOString() ?? null });

/** A person's own notification settings, devices and inbox: every call acts on the caller's account only. */
export class AccountNotifications {
  constructor(private readonly deps: { notificationPreferences: PreferenceRepository; pushDevices: DeviceTokenRepository; inbox: InboxRepository; clock: Clock }) {}

  async preferences(me: Principal): Promise<PreferencesView> {
    return prefsView((await this.deps.notificationPreferences.find(me.accountId)) ?? NotificationPreferences.defaults(me.accountId, this.deps.clock.now()));
  }

  async updatePreferences(me: Principal, input: { locale?: Locale | undefined; timeZone?: string | undefined; quietHours?: QuietHours | null | undefined; muted?: Partial<Record<Category, Channel[]>> | undefined }): Promise<PreferencesView> {
    const now = this.deps.clock.now();
    const current = ((await this.deps.notificationPreferences.find(me.accountId)) ?? NotificationPreferences.defaults(me.accountId, now)).toProps();
    const next = NotificationPreferences.create({
      accountId: me.accountId,
      locale: input.locale ?? current.locale,
      timeZone: input.timeZone ?? current.timeZone,
      quietHours: input.quietHours === undefined ? current.quietHours : input.quietHours,
      muted: input.muted ?? current.muted,
      updatedAt: now,
    });
    await this.deps.notificationPreferences.save(next);
    return prefsView(next);
  }

  /** Registers (or refreshes: last seen, app version) a push token of the caller's device. */
  async registerDevice(me: Principal, input: { token: string; platform: Platform; appVersion: string }): Promise<DeviceView> {
    const now = this.deps.clock.now();
    const existing = (await this.deps.pushDevices.listByAccount(me.accountId)).find((d) => d.token === input.token);
    const device: DeviceToken = { token: input.token, accountId: me.accountId, platform: input.platform, appVersion: input.appVersion, lastSeenAt: now, createdAt: existing?.createdAt ?? now };
    await this.deps.pushDevices.upsert(device);
    return deviceView(device);
  }

  async devices(me: Principal): Promise<DeviceView[]> {
    return (await this.deps.pushDevices.listByAccount(me.accountId)).map(deviceView);
  }

  /** Another account's token is "not found", never "forbidden". */
  async removeDevice(me: Principal, token: string): Promise<void> {
    if (!(await this.deps.pushDevices.remove(token, me.accountId))) throw notFound('Device');
  }

  async inbox(me: Principal, q: { limit: number; unreadOnly?: boolean | undefined; before?: string | undefined }): Promise<{ items: InboxMessageView[]; unread: number }> {
    const items = await this.deps.inbox.list(me.accountId, { limit: q.limit, unreadOnly: q.unreadOnly ?? false, before: q.before });
    return { items: items.map(inboxView), unread: await this.deps.inbox.unreadCount(me.accountId) };
  }

  /** Marks the listed messages (or every one) read; ids of other accounts change nothing. */
  async markRead(me: Principal, ids?: string[]): Promise<{ updated: number; unread: number }> {
    const updated = await this.deps.inbox.markRead(me.accountId, this.deps.clock.now(), ids);
    return { updated, unread: await this.deps.inbox.unreadCount(me.accountId) };
  }
}
