import type { Logger } from 'pino';
import type { Clock } from '../domain/shared/ids.js';
import type { OutboxStore, StoredEvent } from '../domain/shared/events.js';
import { fromOutboxEvent } from '../domain/delivery/events.js';
import type { DeliveryEvent } from '../domain/delivery/model.js';
import { orderStatusFromOutbox, type OrderStatusChanged } from '../domain/ordering/order-events.js';
import { offerNoticeFromOutbox, type OfferNotice } from '../domain/dispatch/events.js';
import { CONSUMERS, consumersOf, type ConsumerName, type EventJob } from './queues.js';

/** What the relay needs of the queues (infra/queues.ts). */
export interface EventQueues {
  addBulk(name: (typeof CONSUMERS)[ConsumerName]['queue'], jobs: readonly { payload: EventJob; jobId: string }[]): Promise<void>;
}
/** What the relay needs of the hubs' channel (infra/delivery-events.ts); best effort, never rejects. */
export interface HubChannel {
  publish(events: DeliveryEvent[]): Promise<void>;
}
/** What the relay needs of the hubs' order channel (infra/order-events.ts); best effort, never rejects. */
export interface OrderChannel {
  publish(events: OrderStatusChanged[]): Promise<void>;
}
/** What the relay needs of the hubs' offer channel (infra/dispatch-events.ts); best effort, never rejects. */
export interface OfferChannel {
  publish(events: OfferNotice[]): Promise<void>;
}
/** One relay at a time among every process (infra/redis-lease.ts). */
export interface Lease {
  hold(): Promise<boolean>;
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

export interface RelaySettings {
  batchSize: number;
  /** Wait between polls when the outbox is empty, Redis is down or another process holds the lease. */
  idleMs: number;
}

/** Wakes the relay when a transaction with events commits (infra/outbox-nudge.ts); polling remains the fallback. */
export type NudgeListener = (wake: () => void) => () => void;

export interface RelayHooks {
  /** Test seam for the crash test: runs after publishing, before marking. */
  beforeMark?(events: readonly StoredEvent[]): void;
}

/**
 * Publishes committed outbox events, lowest sequence first: to the BullMQ
 * queue of every consumer of the type (at least once; the job id is the event
 * id, so a second publish adds nothing while the job is kept) and to the hubs'
 * pub/sub channel (best effort). Then it marks them published. A crash between
 * publishing and marking publishes them again after restart; consumers ignore
 * the duplicate. Only the lease holder relays, so events leave in order.
 */
export class OutboxRelay {
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private unlisten: (() => void) | undefined;

  constructor(private readonly deps: { outbox: OutboxStore; queues: EventQueues; hubChannel: HubChannel; orderChannel?: OrderChannel; offerChannel?: OfferChannel; lease: Lease; clock: Clock; logger: Logger; settings: RelaySettings; hooks?: RelayHooks; nudges?: NudgeListener }) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
    this.unlisten = this.deps.nudges?.(() => this.nudge());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = undefined;
    this.wake?.();
    await this.loop;
    await this.deps.lease.release();
  }

  /** One pass: publishes up to a batch and marks it; answers how many were marked. */
  async relayOnce(): Promise<number> {
    const events = await this.deps.outbox.unpublished(this.deps.settings.batchSize);
    if (events.length === 0) return 0;
    await this.publish(events);
    this.deps.hooks?.beforeMark?.(events);
    // Another process took over while we published: it publishes these again (the job ids dedupe) and marks them.
    if (!(await this.deps.lease.stillHeld())) return 0;
    await this.deps.outbox.markPublished(events.map((e) => e.id), this.deps.clock.now());
    return events.length;
  }

  private async publish(events: readonly StoredEvent[]): Promise<void> {
    const byQueue = new Map<string, { payload: EventJob; jobId: string }[]>();
    for (const e of events) {
      const { sequence: _sequence, ...job } = e;
      for (const c of consumersOf(e.type)) {
        const q = CONSUMERS[c].queue;
        if (!byQueue.has(q)) byQueue.set(q, []);
        byQueue.get(q)!.push({ payload: job as EventJob, jobId: e.id });
      }
    }
    for (const [queue, jobs] of byQueue) await this.deps.queues.addBulk(queue as (typeof CONSUMERS)[ConsumerName]['queue'], jobs);
    const forHubs = events.map(fromOutboxEvent).filter((e): e is DeliveryEvent => e !== null);
    await this.deps.hubChannel.publish(forHubs);
    if (this.deps.orderChannel) await this.deps.orderChannel.publish(events.map(orderStatusFromOutbox).filter((e): e is OrderStatusChanged => e !== null));
    if (this.deps.offerChannel) await this.deps.offerChannel.publish(events.map(offerNoticeFromOutbox).filter((e): e is OfferNotice => e !== null));
  }

  private async run(): Promise<void> {
    const { idleMs } = this.deps.settings;
    while (!this.stopped) {
      let relayed = 0;
      try {
        if (await this.deps.lease.hold()) relayed = await this.relayOnce();
      } catch (err) {
        this.deps.logger.warn({ err }, 'outbox relay pass failed; the events stay in the outbox');
      }
      if (relayed === 0 && !this.stopped) await this.sleep(idleMs);
    }
  }

  private nudge(): void {
    if (this.wake) this.wake();
    else this.nudged = true; // mid-pass: more committed meanwhile, so skip the next sleep
  }

  private sleep(ms: number): Promise<void> {
    if (this.nudged) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        this.wake = undefined;
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
