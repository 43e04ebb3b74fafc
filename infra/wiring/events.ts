import { asFunction, type AwilixContainer } from 'awilix';
import type { RedisClient, RedisTarget } from '../redis.js';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/shared/ids.js';
import type { OutboxStore, ProcessedEvents, UnitOfWork } from '../../domain/shared/events.js';
import type { RecordAuditEntry } from '../../domain/platform/use-cases/record-audit-entry.js';
import type { SessionRepository, OtpRepository } from '../../domain/identity/ports.js';
import type { IdempotencyRepository } from '../../domain/platform/ports.js';
import { OutboxRelay } from '../../workers/outbox-relay.js';
import { auditProcessor } from '../../workers/processors/audit.js';
import { housekeepingProcessor, HOUSEKEEPING_SCHEDULE } from '../../workers/processors/housekeeping.js';
import { QUEUES } from '../../workers/queues.js';
import type { Repositories } from '../db/index.js';
import type { DeliveryEventBus } from '../delivery-events.js';
import type { OrderEventBus } from '../order-events.js';
import type { DispatchEventBus } from '../dispatch-events.js';
import type { Queues } from '../queues.js';
import { RedisLease } from '../redis-lease.js';
import { OutboxNudges, outboxNudgeChannel as nudgeChannel } from '../outbox-nudge.js';

/** The outbox, its relay and the event consumers. */
export interface EventsCradle {
  outbox: OutboxStore;
  processedEvents: ProcessedEvents;
  unitOfWork: UnitOfWork;
  outboxRelay: OutboxRelay;
  outboxNudges: OutboxNudges;
}

interface Needs {
  repositories: Repositories;
  redis: RedisClient;
  keyPrefix: string;
  redisTarget: RedisTarget;
  logger: Logger;
  clock: Clock;
  queues: Queues;
  deliveryEvents: DeliveryEventBus;
  orderEvents: OrderEventBus;
  dispatchEvents: DispatchEventBus;
}

const CONSUMER_LOCK_MS = 5_000;

/** Milliseconds a relay keeps the lease without renewing it; a crashed relay is replaced after this. */
const RELAY_LEASE_MS = 5_000;

export function registerEvents(container: AwilixContainer<EventsCradle & Needs>): void {
  container.register({
    outboxNudges: asFunction(({ repositories, redis, keyPrefix }: Needs) => new OutboxNudges({ unitOfWork: repositories.unitOfWork, outbox: repositories.outbox, redis, channel: nudgeChannel(keyPrefix) })).singleton(),
    outbox: asFunction(({ outboxNudges }: EventsCradle) => outboxNudges.outbox).singleton(),
    processedEvents: asFunction(({ repositories }: Needs) => repositories.processedEvents).singleton(),
    unitOfWork: asFunction(({ outboxNudges }: EventsCradle) => outboxNudges.unitOfWork).singleton(),
    outboxRelay: asFunction(({ outbox, queues, deliveryEvents, orderEvents, dispatchEvents, redis, redisTarget, keyPrefix, clock, logger }: EventsCradle & Needs) =>
      new OutboxRelay({
        outbox,
        queues,
        hubChannel: deliveryEvents,
        orderChannel: orderEvents,
        offerChannel: dispatchEvents,
        lease: new RedisLease(redis, `${keyPrefix}outbox:relay`, RELAY_LEASE_MS),
        clock,
        logger: logger.child({ component: 'outbox-relay' }),
        settings: { batchSize: 200, idleMs: 100 },
        hooks: faultHooks(),
        nudges: OutboxNudges.listener(redisTarget, nudgeChannel(keyPrefix)),
      }),
    )
      .singleton()
      .disposer((r) => r.stop()),
  });
}

/**
 * The crash test's seam: with NODE_ENV=test and DARAA_TEST_KILL_RELAY_BEFORE_MARK=1
 * the process kills itself (SIGKILL) after publishing a batch, before marking it.
 */
function faultHooks() {
  if (process.env.NODE_ENV !== 'test' || process.env.DARAA_TEST_KILL_RELAY_BEFORE_MARK !== '1') return {};
  return { beforeMark: () => void process.kill(process.pid, 'SIGKILL') };
}

interface WorkerParts extends EventsCradle, Needs {
  recordAuditEntry: RecordAuditEntry;
  sessions: SessionRepository;
  otps: OtpRepository;
  idempotencyKeys: IdempotencyRepository;
}

/** The worker role: the event consumers, housekeeping on its schedule, and the relay. */
export function startEventWorkers(c: WorkerParts): void {
  // Consumers write a row or two per event: a short lock hands a crashed worker's jobs on within seconds.
  c.queues.work(QUEUES.audit, auditProcessor(c), 4, CONSUMER_LOCK_MS);
  c.queues.work(QUEUES.housekeeping, housekeepingProcessor(c), 1);
  for (const s of HOUSEKEEPING_SCHEDULE) {
    void c.queues.repeat(QUEUES.housekeeping, `housekeeping:${s.task}`, s.everyMs, { task: s.task }).catch((err: unknown) => c.logger.warn({ err, task: s.task }, 'could not schedule housekeeping; retried at next start'));
  }
  c.outboxRelay.start();
}
