import type { ZoneShape } from '../../catalog/store-zone.js';
import type { ZoneRules } from '../../catalog/ports.js';
import { notFound, validationError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { BulkReport, BulkSend, Category, Channel, Locale, Segment } from '../model.js';
import type { AreaAudience, BulkSendRepository, DeliveryLog, DeviceTokenRepository, RecipientDirectory } from '../ports.js';
import type { NotifyEvent } from './notify-event.js';

/** The event type bulk messages are logged under (they come from an admin, not an outbox event). */
export const BULK_EVENT_TYPE = 'notification.bulk.sent';
const PAGE = 200;

/** Queues a bulk send's fan-out (job id = bulk id, so a repeated add is a no-op). */
export interface BulkJobs {
  enqueue(bulkId: string): Promise<void>;
}

export interface BulkSendInput {
  segment: Segment;
  channels: Channel[];
  category: Category;
  content: Partial<Record<Locale, { title: string; body: string }>>;
}

export type BulkSendView = Omit<BulkSend, 'createdAt' | 'finishedAt' | 'segment'> & { segment: { role: string; lastActiveSince: string | null; area: ZoneShape | null }; createdAt: string; finishedAt: string | null; report: BulkReport };

/** An admin sends one message to a segment; the worker fans it out, and the report counts sent, failed and skipped per channel. */
export class CreateBulkSend {
  constructor(private readonly deps: { bulkSends: BulkSendRepository; bulkJobs: BulkJobs; notificationLog: DeliveryLog; zoneRules: ZoneRules; ids: IdGenerator; clock: Clock }) {}

  async execute(admin: Principal, input: BulkSendInput): Promise<BulkSendView> {
    if (!input.content.ar && !input.content.en) throw validationError('Content is required', [{ field: 'content', message: 'give at least one locale (ar or en)' }]);
    // The area obeys the zone rules (closed ring, no self-intersection, at most 5,000 km²), so a send can never scan a continent.
    const segment = input.segment.area ? { ...input.segment, area: this.deps.zoneRules.check(input.segment.area) } : input.segment;
    const bulk: BulkSend = {
      id: this.deps.ids.next(), createdBy: admin.accountId, segment, channels: [...new Set(input.channels)], category: input.category,
      content: input.content, status: 'queued', recipients: 0, createdAt: this.deps.clock.now(), finishedAt: null,
    };
    await this.deps.bulkSends.create(bulk);
    await this.deps.bulkJobs.enqueue(bulk.id);
    return viewOf(bulk, await this.deps.notificationLog.report(bulk.id));
  }
}

export class BulkSendQueries {
  constructor(private readonly deps: { bulkSends: BulkSendRepository; notificationLog: DeliveryLog }) {}

  async get(id: string): Promise<BulkSendView> {
    const bulk = await this.deps.bulkSends.find(id);
    if (!bulk) throw notFound('Bulk send');
    const report = await this.deps.notificationLog.report(id);
    // Jobs still queued (or held by quiet hours) have no record yet: once the fan-out is done, whatever is not settled is pending.
    if (bulk.status === 'done') {
      for (const ch of bulk.channels) {
        const r = report[ch];
        r.pending = Math.max(r.pending, bulk.recipients - r.sent - r.failed - r.skipped);
      }
    }
    return viewOf(bulk, report);
  }
}

/**
 * The worker's side: pages through the segment (a role, or a role in an area) and queues each
 * recipient's channel jobs once (preferences apply; bulk is never critical). A rerun after a crash
 * queues nothing twice: the channel jobs are keyed by bulk, recipient and channel.
 */
export class RunBulkSend {
  constructor(private readonly deps: { bulkSends: BulkSendRepository; recipientDirectory: RecipientDirectory; areaAudience: AreaAudience; pushDevices: DeviceTokenRepository; notifyEvent: NotifyEvent; clock: Clock }) {}

  async execute(bulkId: string, progress: (done: number) => Promise<unknown>): Promise<number> {
    const bulk = await this.deps.bulkSends.find(bulkId);
    if (!bulk) throw notFound('Bulk send');
    if (bulk.status === 'done') return bulk.recipients;
    await this.deps.bulkSends.update(bulkId, { status: 'running' });
    const seen = new Set<string>();
    for await (const ids of this.pages(bulk.segment)) {
      const since = bulk.segment.lastActiveSince;
      const active = since ? await this.deps.pushDevices.activeSince(ids, since) : null;
      for (const accountId of ids) {
        if (seen.has(accountId) || (active && !active.has(accountId))) continue;
        seen.add(accountId);
        await this.deps.notifyEvent.fanOut({ sourceId: bulk.id, eventType: BULK_EVENT_TYPE, accountId, category: bulk.category, bulkId: bulk.id, vars: {}, data: { bulkId: bulk.id }, content: bulk.content }, bulk.channels, false);
      }
      await progress(seen.size);
    }
    await this.deps.bulkSends.update(bulkId, { status: 'done', recipients: seen.size, finishedAt: this.deps.clock.now() });
    return seen.size;
  }

  private async *pages(segment: Segment): AsyncGenerator<string[]> {
    if (segment.area) {
      for (let cursor: string | null = null; ;) {
        const page = await this.deps.areaAudience.page(segment.role, segment.area, cursor, PAGE);
        yield page.accountIds;
        if (!page.next) return;
        cursor = page.next;
      }
    }
    for (let page = 1; ; page++) {
      const ids = await this.deps.recipientDirectory.accountsWithRole(segment.role, page, PAGE);
      yield ids;
      if (ids.length < PAGE) return;
    }
  }
}

function viewOf(b: BulkSend, report: BulkReport): BulkSendView {
  return {
    ...b, segment: { role: b.segment.role, lastActiveSince: b.segment.lastActiveSince?.toISOString() ?? null, area: b.segment.area ?? null },
    createdAt: b.createdAt.toISOString(), finishedAt: b.finishedAt?.toISOString() ?? null, report,
  };
}
