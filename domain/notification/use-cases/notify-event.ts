import type { DomainEvent } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import type { Permission } from '../../shared/principal.js';
import { deliveryKey, INTRUSIVE_CHANNELS, NotificationPreferences, type Category, type Channel } from '../model.js';
import type { DeliveryLog, PreferenceRepository, RecipientDirectory } from '../ports.js';
import { triggerOf, type RecipientRef } from '../triggers.js';

/**
 * One message on one channel to one account, as its channel's job carries it.
 * `vars` fills an event template; `content` (bulk sends) carries the text itself.
 */
export interface ChannelJob {
  sourceId: string;
  eventType: string;
  accountId: string;
  channel: Channel;
  category: Category;
  bulkId: string | null;
  vars: Record<string, unknown>;
  data: Record<string, string>;
  content: Partial<Record<'ar' | 'en', { title: string; body: string }>> | null;
}

/** The channel queues: one job per (source, recipient, channel), its id the delivery key, so a second add is a no-op. */
export interface ChannelJobs {
  enqueue(job: ChannelJob, opts: { jobId: string; delayMs: number }): Promise<void>;
}

export interface Plan {
  queued: number;
  skipped: number;
}

/**
 * Decides who hears about an event on which channels, then queues one job per
 * channel: preferences mute a (category, channel), quiet hours delay the channels
 * that ring a phone until the window ends; critical messages bypass both.
 * Each channel has its own queue, so a provider that is down delays only itself.
 */
export class NotifyEvent {
  constructor(private readonly deps: { notificationPreferences: PreferenceRepository; notificationLog: DeliveryLog; recipientDirectory: RecipientDirectory; channelJobs: ChannelJobs; clock: Clock }) {}

  async execute(event: DomainEvent): Promise<Plan> {
    const trigger = triggerOf(event.type);
    if (!trigger) return { queued: 0, skipped: 0 };
    const recipients = await this.resolve(trigger.recipients(event.payload));
    const plan: Plan = { queued: 0, skipped: 0 };
    for (const accountId of recipients) {
      const r = await this.fanOut({
        sourceId: event.id, eventType: event.type, accountId, category: trigger.category, bulkId: null,
        vars: event.payload as Record<string, unknown>, data: trigger.data(event.payload), content: null,
      }, trigger.channels, trigger.critical);
      plan.queued += r.queued;
      plan.skipped += r.skipped;
    }
    return plan;
  }

  /** Shared with bulk sends: the per-recipient decision and the channel jobs. */
  async fanOut(base: Omit<ChannelJob, 'channel'>, channels: readonly Channel[], critical: boolean): Promise<Plan> {
    const now = this.deps.clock.now();
    const prefs = (await this.deps.notificationPreferences.find(base.accountId)) ?? NotificationPreferences.defaults(base.accountId, now);
    const quietMs = critical ? 0 : prefs.quietFor(now);
    const plan: Plan = { queued: 0, skipped: 0 };
    for (const channel of channels) {
      const key = deliveryKey(base.sourceId, base.accountId, channel);
      if (!critical && !prefs.allows(base.category, channel)) {
        await this.deps.notificationLog.skip({ key, sourceId: base.sourceId, accountId: base.accountId, channel, eventType: base.eventType, bulkId: base.bulkId, reason: 'muted', createdAt: now }, now);
        plan.skipped++;
        continue;
      }
      const delayMs = INTRUSIVE_CHANNELS.includes(channel) ? quietMs : 0;
      await this.deps.channelJobs.enqueue({ ...base, channel }, { jobId: key, delayMs });
      plan.queued++;
    }
    return plan;
  }

  private async resolve(refs: RecipientRef[]): Promise<string[]> {
    const ids = new Set<string>();
    for (const ref of refs) {
      if ('adminsHolding' in ref) {
        for (const id of await this.admins(ref.adminsHolding)) ids.add(id);
        continue;
      }
      const id = 'accountId' in ref ? ref.accountId : await this.deps.recipientDirectory.storeOwner(ref.storeOwnerOf);
      if (id) ids.add(id);
    }
    return [...ids];
  }

  /** The active admins holding `permission`, a page at a time (a handful in practice; bounded so a runaway list cannot stall the consumer). */
  private async admins(permission: Permission): Promise<string[]> {
    const all: string[] = [];
    for (let page = 1; page <= 10; page++) {
      const { accountIds, more } = await this.deps.recipientDirectory.adminsHolding(permission, page, 100);
      all.push(...accountIds);
      if (!more) break;
    }
    return all;
  }
}
