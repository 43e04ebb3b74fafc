import type { Server } from 'socket.io';
import type { DeliveryEvent } from '../domain/delivery/model.js';
import type { IdentityEvent } from '../domain/identity/model.js';
import type { RealtimeDeps } from './deps.js';
import { CourierNamespace } from './namespaces/courier.js';
import { CustomerNamespace } from './namespaces/customer.js';
import { OpsNamespace } from './namespaces/ops.js';
import { PositionChannel } from './position-channel.js';
import { CourierPositions, orderRoom } from './positions.js';
import { SocketSessions } from './sessions.js';
import type { CourierPosition, NotificationNew, OpsOfferEvent, OrderStatus, OrderUpdated } from './protocol.js';
import type { OrderStatusChanged } from '../domain/ordering/order-events.js';

export interface Realtime {
  sessions: SocketSessions;
  courier: CourierNamespace;
  customer: CustomerNamespace;
  ops: OpsNamespace;
  /** Resolves once the position channel's subscriptions are confirmed (positions from other hubs arrive from then on). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Mounts /courier, /customer and /ops on the hub and connects them to the
 * system's events. Events arrive in every hub process (Redis pub/sub), so each
 * process emits them to its own sockets only (`local`): every watcher gets an
 * event exactly once, wherever the event was raised. Courier positions take
 * their own path between hubs (server/position-channel.ts), beside the adapter.
 */
export function attachRealtime(io: Server, deps: RealtimeDeps): Realtime {
  const sessions = new SocketSessions({ tokens: deps.tokens, logger: deps.logger });
  const positions = new CourierPositions(io, deps);
  const channel = new PositionChannel<CourierPosition>({
    ...deps.positionBus,
    deliver: (room, position) => positions.deliverFromPeer(room, position),
    onError: (err) => deps.logger.debug({ err }, 'position channel'),
  });
  positions.connect(channel);
  const ready = channel.start();
  ready.catch(() => undefined); // reported by whoever awaits `ready`
  const courier = new CourierNamespace(io, sessions, deps, positions);
  const customer = new CustomerNamespace(io, sessions, deps);
  const ops = new OpsNamespace(io, sessions, deps);

  deps.events.onIdentity((e: IdentityEvent) => {
    if (e.type === 'identity.account_suspended') sessions.endAccount(e.accountId, 'suspended');
    if (e.type === 'identity.sessions_revoked') {
      const reason = e.reason === 'logout' ? 'logged_out' : e.reason === 'suspended' ? 'suspended' : 'revoked';
      sessions.endAccount(e.accountId, reason, e.sessionIds);
    }
  });

  deps.events.onDelivery((e: DeliveryEvent) => {
    ops.nsp.local.emit('delivery:event', e);
    if (e.type === 'delivery.status_changed') {
      const status: OrderStatus = { orderId: e.orderId, deliveryId: e.deliveryId, status: e.to, at: e.at, reason: e.reason };
      customer.nsp.local.to(orderRoom(e.orderId)).emit('order:status', status);
      deps.metrics.broadcasts.inc({ event: 'order:status' });
    }
    // The courier's availability, geofences and list follow its deliveries.
    const couriers = new Set<string>();
    if ('courierId' in e && e.courierId) couriers.add(e.courierId);
    for (const id of courier.localCouriers()) if (courier.carries(id, e.deliveryId)) couriers.add(id);
    for (const id of couriers) {
      void courier.refreshDeliveries(id).catch((err: unknown) => deps.logger.warn({ err, courierId: id }, 'courier deliveries refresh failed'));
    }
  });

  // Watchers of an order's room (its customer, its store's owner, admins) see the order's own statuses beside the delivery's.
  deps.events.onOrder((e: OrderStatusChanged) => {
    const update: OrderUpdated = { orderId: e.orderId, orderNumber: e.orderNumber, status: e.to, from: e.from, at: e.at, reason: e.reason };
    customer.nsp.local.to(orderRoom(e.orderId)).emit('order:updated', update);
    deps.metrics.broadcasts.inc({ event: 'order:updated' });
  });

  // Offers go to the courier's sockets wherever they are connected: every hub gets every offer event.
  deps.events.onOffer((e) => {
    courier.offers.deliver(e);
    const offer: OpsOfferEvent =
      e.type === 'dispatch.offer.made'
        ? { type: e.type, offerId: e.offerId, deliveryId: e.deliveryId, orderId: e.orderId, courierId: e.courierId, status: 'pending', expiresAt: e.expiresAt, at: e.at }
        : { type: e.type, offerId: e.offerId, deliveryId: e.deliveryId, orderId: e.orderId, courierId: e.courierId, status: e.status, expiresAt: null, at: e.at };
    ops.nsp.local.emit('offer:event', offer);
  });

  // An account's sockets of this process, whatever the namespace: the inbox follows the person, not the screen.
  deps.events.onNotification((e) => {
    const payload: NotificationNew = { message: e.message, unread: e.unread };
    for (const socket of sessions.socketsOf(e.accountId)) socket.emit('notification:new', payload);
    deps.metrics.broadcasts.inc({ event: 'notification:new' });
  });

  return {
    sessions,
    courier,
    customer,
    ops,
    ready,
    async close() {
      courier.close();
      positions.close();
      ops.close();
      await channel.close();
    },
  };
}
