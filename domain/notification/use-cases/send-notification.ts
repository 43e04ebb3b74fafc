import type { Clock, IdGenerator } from '../../shared/ids.js';
import { deliveryKey, localeFallback, NotificationPreferences, NotificationTemplate, type Channel, type Locale } from '../model.js';
import { ProviderError } from '../../shared/errors.js';
import type { DeliveryLog, DeviceTokenRepository, EmailSender, InboxPublisher, InboxRepository, PreferenceRepository, PushSender, RecipientDirectory, TemplateRepository } from '../ports.js';
import type { SmsSender } from '../../identity/ports.js';
import { triggerOf } from '../triggers.js';
import type { ChannelJob } from './notify-event.js';

export type SendOutcome = 'sent' | 'skipped' | 'duplicate' | 'failed';

interface Deps {
  notificationTemplates: TemplateRepository;
  notificationPreferences: PreferenceRepository;
  pushDevices: DeviceTokenRepository;
  inbox: InboxRepository;
  notificationLog: DeliveryLog;
  recipientDirectory: RecipientDirectory;
  emailSender: EmailSender;
  sms: SmsSender;
  pushSender: PushSender;
  inboxPublisher: InboxPublisher;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * Sends one channel job, at most once: the delivery key is claimed before the
 * provider is called. A provider that fails in a way that sent nothing (refused
 * connection, 4xx/5xx answer) releases the claim and throws, so the job retries
 * with backoff; the last attempt records the failure. A crash mid-send leaves the
 * claim in place: that message is never sent twice.
 */
export class SendNotification {
  constructor(private readonly deps: Deps) {}

  async execute(job: ChannelJob, opts: { lastAttempt: boolean }): Promise<SendOutcome> {
    const now = this.deps.clock.now();
    const key = deliveryKey(job.sourceId, job.accountId, job.channel);
    const base = { key, sourceId: job.sourceId, accountId: job.accountId, channel: job.channel, eventType: job.eventType, bulkId: job.bulkId, createdAt: now };
    const account = await this.deps.recipientDirectory.account(job.accountId);
    const address = account ? await this.addressOf(job.channel, account) : null;
    if (!account || (job.channel !== 'in_app' && (!address || address.length === 0))) {
      await this.deps.notificationLog.skip({ ...base, reason: !account ? 'no_account' : `no_${job.channel === 'push' ? 'device' : job.channel === 'sms' ? 'phone' : 'email'}` }, now);
      return 'skipped';
    }
    if (!(await this.deps.notificationLog.claim(base, now))) return 'duplicate';
    const prefs = (await this.deps.notificationPreferences.find(job.accountId)) ?? NotificationPreferences.defaults(job.accountId, now);
    const text = await this.textFor(job, prefs.locale);
    try {
      await this.send(job, text, address ?? [], prefs.locale);
    } catch (err) {
      const retry = !(err instanceof ProviderError) || err.retry;
      const reason = err instanceof ProviderError ? err.reason : (err as Error).message.slice(0, 200);
      await this.deps.notificationLog.settle(key, retry && !opts.lastAttempt ? 'retrying' : 'failed', reason, this.deps.clock.now());
      if (retry && !opts.lastAttempt) throw err;
      return 'failed';
    }
    await this.deps.notificationLog.settle(key, 'sent', null, this.deps.clock.now());
    return 'sent';
  }

  /** Where the channel reaches the account: its email, its phone, its device tokens; the inbox needs none. */
  private async addressOf(channel: Channel, account: { id: string; phone: string; email: string | null }): Promise<string[] | null> {
    if (channel === 'email') return account.email ? [account.email] : null;
    if (channel === 'sms') return [account.phone];
    if (channel === 'push') {
      const devices = await this.deps.pushDevices.listByAccount(account.id);
      return devices.length ? devices.map((d) => d.token) : null;
    }
    return [];
  }

  private async send(job: ChannelJob, text: { title: string; body: string }, to: string[], locale: Locale): Promise<void> {
    const { deps } = this;
    switch (job.channel) {
      case 'email':
        return deps.emailSender.send({ to: to[0]!, subject: text.title, text: text.body, locale });
      case 'sms':
        return deps.sms.send(to[0]!, text.body);
      case 'push':
        return this.push(job, text, to);
      case 'in_app': {
        const at = deps.clock.now();
        const message = { id: deps.ids.next(), accountId: job.accountId, eventType: job.eventType, category: job.category, title: text.title, body: text.body, data: job.data, createdAt: at, readAt: null };
        await deps.inbox.add(message);
        const unread = await deps.inbox.unreadCount(job.accountId);
        await deps.inboxPublisher.publish({ type: 'notification.created', accountId: job.accountId, unread, message: { ...message, createdAt: at.toISOString(), readAt: null } });
      }
    }
  }

  /**
   * Every device of the account; tokens FCM calls invalid are removed. Succeeds when
   * one device took it; retries when none did and one may take it later.
   */
  private async push(job: ChannelJob, text: { title: string; body: string }, tokens: string[]): Promise<void> {
    let delivered = 0;
    let retryable: unknown = null;
    for (const token of tokens) {
      try {
        await this.deps.pushSender.send({ token, title: text.title, body: text.body, data: job.data });
        delivered++;
      } catch (err) {
        if (err instanceof ProviderError && err.reason === 'invalid_token') await this.deps.pushDevices.remove(token);
        else retryable ??= err;
      }
    }
    if (delivered > 0) return;
    if (retryable) throw retryable;
    throw new ProviderError('every device token was invalid', false, 'invalid_token');
  }

  /** Per locale, the recipient's first then the fallbacks: a saved template, else the built-in default. */
  private async textFor(job: ChannelJob, locale: Locale): Promise<{ title: string; body: string }> {
    const order = localeFallback(locale);
    if (job.content) {
      const c = order.map((l) => job.content![l]).find(Boolean);
      if (c) return c;
    }
    const trigger = triggerOf(job.eventType);
    for (const l of order) {
      const saved = await this.deps.notificationTemplates.find(job.eventType, job.channel, l);
      if (saved) return withTitle(saved.render(job.vars));
      const d = trigger?.defaults[l];
      if (d) return withTitle(NotificationTemplate.restore({ eventType: job.eventType, channel: job.channel, locale: l, title: d.title, body: d.body, updatedAt: new Date(0), updatedBy: null }).render(job.vars));
    }
    return { title: job.eventType, body: job.eventType };
  }
}

const withTitle = (r: { title: string | null; body: string }) => ({ title: r.title ?? '', body: r.body });
