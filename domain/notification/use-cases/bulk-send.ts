import { notFound, validationError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { BulkReport, BulkSend, Category, Channel, Locale, Segment } from '../model.js';
import type { BulkSendRepository, DeliveryLog, DeviceTokenRepository, RecipientDirectory } from '../ports.js';
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

export type BulkSendView = Omit<BulkSend, 'createdAt' | 'finishedAt' | 'segment'> & { segment: { role: string; lastActiveSince: string | null }; createdAt: string; finishedAt: string | null; report: BulkReport };

/** An admin sends one message to a segment; the worker fans it out, and the report counts sent, failed and skipped per channel. */
export class CreateBulkSend {
  constructor(private readonly deps: { bulkSends: BulkSendRepository; bulkJobs: BulkJobs; notificationLog: DeliveryLog; ids: IdGenerator; clock: Clock }) {}

  async execute(admin: Principal, input: BulkSendInput): Promise<BulkSendView> {
    if (!input.content.ar && !input.content.en) throw validationError('Content is required', [{ field: 'content', message: 'give at least one locale (ar or en)' }]);
    const bulk: BulkSend = {
      id: this.deps.ids.next(), createdBy: admin.accountId, segment: input.segment, channels: [...new Set(input.channels)], category: input.category,
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

/** The worker's side: pages through the segment and queues each recipient's channel jobs (preferences apply; bulk is never critical). */
export class RunBulkSend {
  constructor(private readonly deps: { bulkSends: BulkSendRepository; recipientDirectory: RecipientDirectory; pushDevices: DeviceTokenRepository; notifyEvent: NotifyEvent; clock: Clock }) {}

  async execute(bulkId: string, progress: (done: number) => Promise<unknown>): Promise<number> {
    const bulk = await this.deps.bulkSends.find(bulkId);
    if (!bulk) throw notFound('Bulk send');
    if (bulk.status === 'done') return bulk.recipients;
    await this.deps.bulkSends.update(bulkId, { status: 'running' });
    let recipients = 0;
    for (let page = 1; ; page++) {
      const ids = await this.deps.recipientDirectory.accountsWithRole(bulk.segment.role, page, PAGE);
      const since = bulk.segment.lastActiveSince;
      const active = since ? await this.deps.pushDevices.activeSince(ids, since) : null;
      for (const accountId of ids) {
        if (active && !active.has(accountId)) continue;
        await this.deps.notifyEvent.fanOut({ sourceId: bulk.id, eventType: BULK_EVENT_TYPE, accountId, category: bulk.category, bulkId: bulk.id, vars: {}, data: { bulkId: bulk.id }, content: bulk.content }, bulk.channels, false);
        recipients++;
      }
      await progress(recipients);
      if (ids.length < PAGE) break;
    }
    await this.deps.bulkSends.update(bulkId, { status: 'done', recipients, finishedAt: this.deps.clock.now() });
    return recipients;
  }
}

function viewOf(b: BulkSend, report: BulkReport): BulkSendView {
  return {
    ...b, segment: { role: b.segment.role, lastActiveSince: b.segment.lastActiveSince?.toISOString() ?? null },
    createdAt: b.createdAt.toISOString(), finishedAt: b.finishedAt?.toISOString() ?? null, report,
  };
}
