import type { OrderStatusChanged } from '../domain/ordering/order-events.js';
import type { NotificationNew } from './protocol.js';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CourierIndex, EtaService } from '../geo/index.js';
import type { ArrivalStatus, DeliveryEvent, DeliveryView } from '../domain/delivery/model.js';
import type { IdentityEvent } from '../domain/identity/model.js';
import type { AccessTokenVerifier } from '../domain/identity/ports.js';
import type { Principal } from '../domain/shared/principal.js';
import type { CourierPresence } from './presence.js';
import type { OfferNotice } from '../domain/dispatch/events.js';
import type { HubMetrics } from './metrics.js';
import type { ControlDelivery } from '../domain/dispatch/use-cases/control-delivery.js';

/** What the hub needs from the rest of the system, as small structural ports (wired in infra/wiring/realtime.ts). */
export interface RealtimeDeps {
  logger: Logger;
  tokens: AccessTokenVerifier;
  courierIndex: CourierIndex;
  eta: Pick<EtaService, 'eta' | 'peek'>;
  presence: CourierPresence;
  metrics: HubMetrics;
  courierEligibility: { execute(accountId: string): Promise<{ eligible: boolean; reason?: string }> };
  activeDeliveries: { listActiveByCourier(courierId: string): Promise<{ toView(): DeliveryView }[]> };
  deliveryAccess: { forWatch(principal: Principal, orderId: string): Promise<DeliveryView> };
  recordArrival: {
    execute(input: { deliveryId: string; courierId: string; status: ArrivalStatus; at: Date }): Promise<{ changed: boolean }>;
  };
  /**
   * The courier's answers to offers (domain/dispatch AnswerOffer: coded
   * refusals that change nothing) and their pending offers, to expire them
   * when the courier's last socket goes.
   */
  offers: {
    accept(courierId: string, offerId: string): Promise<{ offer: { id: string; deliveryId: string; orderId: string } }>;
    decline(courierId: string, offerId: string, reason: string | null): Promise<{ id: string }>;
    expire(offerId: string, reason: string): Promise<unknown>;
    listPendingByCourier(courierId: string): Promise<{ id: string }[]>;
  };
  /** Dispatchers' manual control on /ops: the same use case as the REST routes (domain/dispatch ControlDelivery). */
  control: Pick<ControlDelivery, 'assign' | 'reassign' | 'unassign' | 'bulk'>;
  /** Every identity and delivery event of the system, from whichever process raised it. */
  events: {
    onIdentity(handler: (e: IdentityEvent) => void): void;
    onDelivery(handler: (e: DeliveryEvent) => void): void;
    /** Order status changes (placed … completed), best effort from the relay. */
    onOrder(handler: (e: OrderStatusChanged) => void): void;
    /** New in-app messages (best effort, from the notification workers). */
    onNotification(handler: (e: { accountId: string } & NotificationNew) => void): void;
    /** Offers made and ended (best effort, from the relay; the offer is stored, and pushed as a notification too). */
    onOffer(handler: (e: OfferNotice) => void): void;
  };
  settings: HubSettings;
  /**
   * The position path between hub processes (server/position-channel.ts): a
   * fail-fast publishing client, a subscriber of its own (on a Cluster, built
   * with `shardedSubscribers: true`), this hub's id and the deployment's key prefix.
   */
  positionBus: { publisher: Redis | Cluster; subscriber: Redis | Cluster; hubId: string; prefix: string; shards?: number };
}

export interface HubSettings {
  fixRatePerS: number;
  fixBurst: number;
  /** Ops snapshots, at most one per this many ms. */
  opsIntervalMs: number;
  /** Positions per order, at most one per this many ms (500 = 2/s). */
  positionIntervalMs: number;
  /** Geofence radius around pickups and dropoffs. */
  arrivalRadiusM: number;
  /**
   * Load shedding: past this many fixes waiting for the index in this process,
   * a live `location` is dropped at once (ack `dropped: 1`) and a `locations`
   * batch is refused with RATE_LIMITED and `retryAfterMs`, so an overloaded
   * hub answers quickly instead of queueing without bound.
   */
  maxPendingFixes: number;
  /** How long a fix may wait for others to share its Redis call (server/fix-batcher.ts); 0 = the same event-loop turn only. */
  fixLingerMs: number;
  /** A batch of fixes leaves for the index once it holds this many (server/fix-batcher.ts). */
  maxFixBatch: number;
  /** A diagnostic: where fixes spend their time, appended to this file every 5 s (server/fix-probe.ts); unset = off. */
  fixProbeFile?: string;
}

export const DEFAULT_HUB_SETTINGS: HubSettings = {
  fixRatePerS: 5,
  fixBurst: 20,
  opsIntervalMs: 1_000,
  positionIntervalMs: 500,
  arrivalRadiusM: 100,
  maxPendingFixes: 2_000,
  fixLingerMs: 5,
  maxFixBatch: 1_000,
};
