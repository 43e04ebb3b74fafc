import type { BulkSendRepository, DeliveryLog, DeviceTokenRepository, InboxRepository, PreferenceRepository, TemplateRepository } from '../../domain/notification/ports.js';
import { SqlBulkSendRepository, SqlDeliveryLog, SqlDeviceTokenRepository, SqlInboxRepository, SqlPreferenceRepository, SqlTemplateRepository } from './sql/notifications.js';
import { MongoBulkSendRepository, MongoDeliveryLog, MongoDeviceTokenRepository, MongoInboxRepository, MongoPreferenceRepository, MongoTemplateRepository } from './mongo/notifications.js';
import type { Store } from './store.js';

/** The notification context's repositories, built for one store. */
export interface NotificationRepositories {
  templates: TemplateRepository;
  preferences: PreferenceRepository;
  devices: DeviceTokenRepository;
  inbox: InboxRepository;
  deliveryLog: DeliveryLog;
  bulkSends: BulkSendRepository;
}

export function createNotificationRepositories(store: Store): NotificationRepositories {
  if (store.kind === 'sql') {
    const db = store.sql;
    return { templates: new SqlTemplateRepository(db), preferences: new SqlPreferenceRepository(db), devices: new SqlDeviceTokenRepository(db), inbox: new SqlInboxRepository(db), deliveryLog: new SqlDeliveryLog(db), bulkSends: new SqlBulkSendRepository(db) };
  }
  const conn = store.mongo;
  return { templates: new MongoTemplateRepository(conn), preferences: new MongoPreferenceRepository(conn), devices: new MongoDeviceTokenRepository(conn), inbox: new MongoInboxRepository(conn), deliveryLog: new MongoDeliveryLog(conn), bulkSends: new MongoBulkSendRepository(conn) };
}
