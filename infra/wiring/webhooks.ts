import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { webhookRoutes, type WebhookRouteDeps } from '../../api/routes/webhooks.js';
import { RETRY_SCHEDULE_MS } from '../../domain/webhooks/model.js';
import type { AttemptScheduler, DestinationPolicy, WebhookEndpointRepository, WebhookMessageRepository, WebhookSender } from '../../domain/webhooks/ports.js';
import { AttemptDelivery, type DeliverySettings } from '../../domain/webhooks/use-cases/attempt-delivery.js';
import { FanOutEvent } from '../../domain/webhooks/use-cases/fan-out-event.js';
import { ManageWebhookEndpoints } from '../../domain/webhooks/use-cases/manage-endpoints.js';
import { ReplayWebhookMessages } from '../../domain/webhooks/use-cases/replay-messages.js';
import { WebhookQueries } from '../../domain/webhooks/use-cases/queries.js';
import { webhookAttemptsProcessor, webhooksProcessor } from '../../workers/processors/webhooks.js';
import { QUEUES } from '../../workers/queues.js';
import type { Config } from '../config.js';
import type { Repositories } from '../db/index.js';
import { HttpWebhookSender } from '../providers/webhook-sender.js';
import { WebhookDestinations } from '../providers/webhook-destinations.js';
import type { Queues } from '../queues.js';
import { QueuedAttemptScheduler } from '../webhook-attempts.js';

/** Outgoing webhooks: repositories, the destination policy, the signed sender, the attempt queue and the use cases. */
export interface WebhooksCradle extends WebhookRouteDeps {
  webhookEndpoints: WebhookEndpointRepository;
  webhookMessages: WebhookMessageRepository;
  webhookDestinations: WebhookDestinations;
  destinationPolicy: DestinationPolicy;
  webhookSender: WebhookSender;
  attemptScheduler: AttemptScheduler;
  deliverySettings: DeliverySettings;
  fanOutEvent: FanOutEvent;
  attemptDelivery: AttemptDelivery;
}

interface Needs {
  config: Config;
  repositories: Repositories;
  queues: Queues;
}

export function registerWebhooks(container: AwilixContainer<WebhooksCradle & Needs>): void {
  container.register({
    webhookEndpoints: asFunction(({ repositories }: Needs) => repositories.webhookEndpoints).singleton(),
    webhookMessages: asFunction(({ repositories }: Needs) => repositories.webhookMessages).singleton(),
    webhookDestinations: asFunction(({ config }: Needs) => new WebhookDestinations({ allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS })).singleton(),
    destinationPolicy: asFunction(({ webhookDestinations }: WebhooksCradle) => webhookDestinations).singleton(),
    webhookSender: asFunction(({ webhookDestinations, config }: WebhooksCradle & Needs) => new HttpWebhookSender(webhookDestinations, { timeoutMs: config.WEBHOOK_TIMEOUT_MS }))
      .singleton()
      .disposer((s) => s.close()),
    attemptScheduler: asFunction(({ queues }: Needs) => new QueuedAttemptScheduler(queues)).singleton(),
    deliverySettings: asFunction(({ config }: Needs): DeliverySettings => ({
      scheduleMs: RETRY_SCHEDULE_MS.map((ms) => Math.round(ms * config.WEBHOOK_SCHEDULE_SCALE)),
      disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
      orderedWaitMs: Math.max(20, Math.round(1_000 * config.WEBHOOK_SCHEDULE_SCALE)),
    })).singleton(),
    fanOutEvent: asClass(FanOutEvent).singleton(),
    attemptDelivery: asClass(AttemptDelivery).singleton(),
    manageWebhookEndpoints: asClass(ManageWebhookEndpoints).singleton(),
    replayWebhookMessages: asClass(ReplayWebhookMessages).singleton(),
    webhookQueries: asClass(WebhookQueries).singleton(),
  });
}

interface WorkerParts extends WebhooksCradle {
  config: Config;
  queues: Queues;
}

/**
 * The worker role: the fan-out consumer and the attempts. An attempt holds its
 * job for at most the attempt timeout plus a database write, so the lock is
 * that plus a margin: a killed worker's attempts are taken up again soon after.
 */
export function startWebhookWorkers(c: WorkerParts): void {
  c.queues.work(QUEUES.webhooks, webhooksProcessor(c), 8, 10_000);
  c.queues.work(QUEUES.webhookAttempts, webhookAttemptsProcessor(c), c.config.WEBHOOK_CONCURRENCY, c.config.WEBHOOK_TIMEOUT_MS + 5_000);
}

export const webhookRoutesOf = (c: WebhookRouteDeps): RouteSpec[] => webhookRoutes(c);
