import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../api/route-kit.js';
import { notificationRoutes, type NotificationRouteDeps } from '../../api/routes/notifications.js';
import type { AccountRepository, SmsSender } from '../../domain/identity/ports.js';
import type { StoreRepository } from '../../domain/catalog/ports.js';
import type { BulkSendRepository, DeliveryLog, DeviceTokenRepository, EmailSender, InboxRepository, PreferenceRepository, PushSender, RecipientDirectory, TemplateRepository } from '../../domain/notification/ports.js';
import { AccountDirectory } from '../../domain/notification/directory.js';
import { NotifyEvent, type ChannelJobs } from '../../domain/notification/use-cases/notify-event.js';
import { SendNotification } from '../../domain/notification/use-cases/send-notification.js';
import { AccountNotifications } from '../../domain/notification/use-cases/account-notifications.js';
import { ManageTemplates } from '../../domain/notification/use-cases/manage-templates.js';
import { GeoAreaAudience } from '../area-audience.js';
import type { AreaAudience } from '../../domain/notification/ports.js';
import { BulkSendQueries, CreateBulkSend, RunBulkSend, type BulkJobs } from '../../domain/notification/use-cases/bulk-send.js';
import type { Channel } from '../../domain/notification/model.js';
import type { ProcessedEvents, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import { bulkProcessor, channelProcessor, notificationsProcessor } from '../../workers/processors/notifications.js';
import { QUEUES, type QueueName } from '../../workers/queues.js';
import type { Config } from '../config.js';
import type { Store } from '../db/index.js';
import { createNotificationRepositories, type NotificationRepositories } from '../db/notifications.js';
import { NotificationEventBus } from '../notification-events.js';
import { DevEmailSender, SmtpEmailSender } from '../providers/email-smtp.js';
import { DevPushSender, FcmPushSender } from '../providers/push-fcm.js';
import type { Queues } from '../queues.js';
import type { RedisClient } from '../redis.js';

/** Notifications: repositories, channel providers, the in-app bus, use cases. */
export interface NotificationsCradle extends NotificationRouteDeps {
  notificationRepositories: NotificationRepositories;
  notificationTemplates: TemplateRepository;
  notificationPreferences: PreferenceRepository;
  pushDevices: DeviceTokenRepository;
  inbox: InboxRepository;
  notificationLog: DeliveryLog;
  bulkSends: BulkSendRepository;
  recipientDirectory: RecipientDirectory;
  /** SMTP when SMTP_URL is set, else the dev sender (logged, kept in memory). */
  emailSender: EmailSender;
  /** FCM when FCM_PROJECT_ID and FCM_SERVICE_ACCOUNT_JSON are set, else the dev sender. */
  pushSender: PushSender;
  /** New inbox messages on `<REDIS_KEY_PREFIX>notification:events`: workers publish, hubs subscribe. */
  notificationEvents: NotificationEventBus;
  inboxPublisher: NotificationEventBus;
  channelJobs: ChannelJobs;
  bulkJobs: BulkJobs;
  notifyEvent: NotifyEvent;
  sendNotification: SendNotification;
  runBulkSend: RunBulkSend;
  areaAudience: AreaAudience;
}

interface Needs {
  config: Config;
  store: Store;
  logger: Logger;
  redis: RedisClient;
  keyPrefix: string;
  queues: Queues;
  accounts: AccountRepository;
  stores: StoreRepository;
  sms: SmsSender;
}

/** Each channel its own queue: a provider that is down holds back only its own messages. */
export const CHANNEL_QUEUES: Record<Channel, QueueName> = { email: QUEUES.notifyEmail, sms: QUEUES.notifySms, push: QUEUES.notifyPush, in_app: QUEUES.notifyInApp };

export function registerNotifications(container: AwilixContainer<NotificationsCradle & Needs>): void {
  container.register({
    notificationRepositories: asFunction(({ store }: Needs) => createNotificationRepositories(store)).singleton(),
    notificationTemplates: asFunction(({ notificationRepositories: r }: NotificationsCradle) => r.templates).singleton(),
    notificationPreferences: asFunction(({ notificationRepositories: r }: NotificationsCradle) => r.preferences).singleton(),
    pushDevices: asFunction(({ notificationRepositories: r }: NotificationsCradle) => r.devices).singleton(),
    inbox: asFunction(({ notificationRepositories: r }: NotificationsCradle) => r.inbox).singleton(),
    notificationLog: asFunction(({ notificationRepositories: r }: NotificationsCradle) => r.deliveryLog).singleton(),
    bulkSends: asFunction(({ notificationRepositories: r }: NotificationsCradle) => r.bulkSends).singleton(),
    recipientDirectory: asClass(AccountDirectory).singleton(),
    areaAudience: asClass(GeoAreaAudience).singleton(),
    emailSender: asFunction(({ config, logger }: Needs) =>
      config.SMTP_URL ? new SmtpEmailSender({ url: config.SMTP_URL, from: config.EMAIL_FROM }, logger.child({ component: 'smtp' })) : new DevEmailSender(logger))
      .singleton()
      .disposer((s) => (s instanceof SmtpEmailSender ? s.close() : undefined)),
    pushSender: asFunction(({ config, logger }: Needs) =>
      config.FCM_PROJECT_ID && config.FCM_SERVICE_ACCOUNT_JSON
        ? new FcmPushSender({ projectId: config.FCM_PROJECT_ID, serviceAccountJson: config.FCM_SERVICE_ACCOUNT_JSON, endpoint: config.FCM_ENDPOINT }, logger.child({ component: 'fcm' }))
        : new DevPushSender(logger))
      .singleton()
      .disposer((s) => (s instanceof FcmPushSender ? s.close() : undefined)),
    notificationEvents: asFunction(({ redis, logger, keyPrefix }: Needs) => new NotificationEventBus({ redis, logger, keyPrefix })).singleton(),
    inboxPublisher: asFunction(({ notificationEvents }: NotificationsCradle) => notificationEvents).singleton(),
    channelJobs: asFunction(({ queues, config }: Needs): ChannelJobs => ({
      enqueue: (job, o) => queues.add(CHANNEL_QUEUES[job.channel], job as never, {
        jobId: o.jobId, backoff: { type: 'exponential', delay: config.NOTIFY_RETRY_BASE_MS }, ...(o.delayMs > 0 ? { delay: o.delayMs } : {}),
      }),
    })).singleton(),
    bulkJobs: asFunction(({ queues }: Needs): BulkJobs => ({ enqueue: (bulkId) => queues.add(QUEUES.notifyBulk, { bulkId }, { jobId: bulkId }) })).singleton(),
    notifyEvent: asClass(NotifyEvent).singleton(),
    sendNotification: asClass(SendNotification).singleton(),
    accountNotifications: asClass(AccountNotifications).singleton(),
    manageTemplates: asClass(ManageTemplates).singleton(),
    createBulkSend: asClass(CreateBulkSend).singleton(),
    bulkSendQueries: asClass(BulkSendQueries).singleton(),
    runBulkSend: asClass(RunBulkSend).singleton(),
  });
}

export const notificationRoutesOf = (c: NotificationRouteDeps): RouteSpec[] => notificationRoutes(c);

interface WorkerParts extends NotificationsCradle {
  config: Config;
  queues: Queues;
  unitOfWork: UnitOfWork;
  processedEvents: ProcessedEvents;
  clock: Clock;
}

/** Provider calls: a lock long enough for a slow SMTP server, short enough to hand a crashed worker's jobs on. */
const SEND_LOCK_MS = 30_000;

/** The worker role: the event consumer, one worker per channel (each rate-limited), and the bulk fan-out. */
export function startNotificationWorkers(c: WorkerParts): void {
  c.queues.work(QUEUES.notifications, notificationsProcessor(c), 4, 5_000);
  const send = channelProcessor(c);
  c.queues.work(QUEUES.notifyEmail, send, 4, SEND_LOCK_MS, { max: c.config.NOTIFY_EMAIL_PER_S, duration: 1_000 });
  c.queues.work(QUEUES.notifySms, send, 4, SEND_LOCK_MS, { max: c.config.NOTIFY_SMS_PER_S, duration: 1_000 });
  c.queues.work(QUEUES.notifyPush, send, 8, SEND_LOCK_MS, { max: c.config.NOTIFY_PUSH_PER_S, duration: 1_000 });
  c.queues.work(QUEUES.notifyInApp, send, 8, 5_000);
  c.queues.work(QUEUES.notifyBulk, bulkProcessor(c), 1, 60_000);
}
