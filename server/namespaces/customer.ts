import type { Namespace, Server, Socket } from 'socket.io';
import { FINAL_STATUSES, isActive, type DeliveryView } from '../../domain/delivery/model.js';
import { AppError } from '../../domain/shared/errors.js';
import { isVehicle, type Vehicle } from '../../geo/index.js';
import { handle, ok } from '../ack.js';
import type { RealtimeDeps } from '../deps.js';
import { guardEvents } from '../event-guard.js';
import { PROTOCOL, orderRef, orderTrail, type OrderSnapshot } from '../protocol.js';
import { principalOf, type SocketSessions } from '../sessions.js';
import { etaToDoor, orderRoom } from '../positions.js';

/** Rooms one socket may hold at once (a store owner's screen watches many orders). */
const MAX_WATCHED = 50;

/**
 * /customer: watch orders. Every watch is authorized by the delivery context
 * (customers their own, store owners their stores', admins any); the ack
 * carries the last known position, ETA and status, so a late joiner never
 * waits for the next fix.
 */
export class CustomerNamespace {
  readonly nsp: Namespace;

  constructor(
    io: Server,
    sessions: SocketSessions,
    private readonly deps: RealtimeDeps,
  ) {
    this.nsp = io.of('/customer');
    sessions.guard(this.nsp, ['customer', 'store_owner', 'admin']);
    this.nsp.on('connection', (socket) => this.onConnection(socket));
  }

  private onConnection(socket: Socket): void {
    const { logger, metrics } = this.deps;
    metrics.sockets.inc({ namespace: '/customer' });
    socket.once('disconnect', () => metrics.sockets.dec({ namespace: '/customer' }));
    guardEvents(socket, '/customer', PROTOCOL['/customer'], metrics);

    socket.on(
      'order:watch',
      handle(orderRef, logger, async ({ orderId }) => {
        const view = await this.deps.deliveryAccess.forWatch(principalOf(socket), orderId);
        const room = orderRoom(orderId);
        if (!socket.rooms.has(room) && socket.rooms.size - 1 >= MAX_WATCHED) {
          throw new AppError('RATE_LIMIT_EXCEEDED', `a socket may watch at most ${MAX_WATCHED} orders`);
        }
        await socket.join(room);
        return ok(await this.snapshot(view));
      }),
    );
    socket.on(
      'order:unwatch',
      handle(orderRef, logger, async ({ orderId }) => {
        await socket.leave(orderRoom(orderId));
        return ok({ orderId });
      }),
    );
    socket.on(
      'order:trail',
      handle(orderTrail, logger, async ({ orderId, since }) => {
        const view = await this.deps.deliveryAccess.forWatch(principalOf(socket), orderId);
        return ok({ orderId, fixes: await this.trailOf(view, since) });
      }),
    );
  }

  /** Status, last known position and ETA of an order, as a watcher first sees it. */
  async snapshot(view: DeliveryView): Promise<OrderSnapshot> {
    const base = {
      orderId: view.orderId,
      deliveryId: view.id,
      status: view.status,
      timestamps: view.timestamps as Record<string, string>,
      courierId: view.courierId,
      pickup: { lat: view.pickup.lat, lng: view.pickup.lng },
      dropoff: { lat: view.dropoff.lat, lng: view.dropoff.lng },
      position: null,
      lastSeenAt: null,
      stale: false,
      etaSeconds: null,
      etaSource: null,
    };
    if (!view.courierId || !isActive(view.status)) return base; // no live position outside an active delivery
    const courier = await this.deps.courierIndex.getCourier(view.courierId);
    const fix = courier?.lastFix;
    const assignedAt = Date.parse(view.timestamps.assigned ?? view.createdAt);
    if (!courier || !fix || fix.ts < assignedAt) return base; // nothing from before this delivery is shown
    const vehicle: Vehicle = isVehicle(courier.state.vehicle) ? courier.state.vehicle : 'car';
    const eta = await etaToDoor(this.deps.eta, view, fix, vehicle);
    return {
      ...base,
      position: { lat: fix.lat, lng: fix.lng, heading: fix.heading ?? null, speed: fix.speed ?? null, ts: fix.ts },
      lastSeenAt: new Date(fix.ts).toISOString(),
      // The index's own staleness (GEO_MAX_AGE_S), or a courier who went offline: the position is history.
      stale: courier.stale || courier.state.status === 'offline',
      etaSeconds: eta?.seconds ?? null,
      etaSource: eta?.source ?? null,
    };
  }

  /** The courier's fixes for this delivery only: from its assignment (or `since`) to its end. */
  private async trailOf(view: DeliveryView, since: number) {
    if (!view.courierId) return [];
    const assignedAt = Date.parse(view.timestamps.assigned ?? view.createdAt);
    const endIso = FINAL_STATUSES.map((s) => view.timestamps[s]).find((t) => t !== undefined);
    const end = endIso ? Date.parse(endIso) : Number.POSITIVE_INFINITY;
    const points = await this.deps.courierIndex.trail(view.courierId, Math.max(since, assignedAt));
    return points.filter((p) => p.ts <= end);
  }
}
