import type { Namespace, Server, Socket } from 'socket.io';
import type { DeliveryView } from '../../domain/delivery/model.js';
import { AppError } from '../../domain/shared/errors.js';
import type { Vehicle } from '../../geo/index.js';
import { handle, ok } from '../ack.js';
import { courierDataOf, stateOf, statusOf } from '../courier-state.js';
import type { RealtimeDeps } from '../deps.js';
import { guardEvents } from '../event-guard.js';
import { CourierGeofences } from '../geofences.js';
import { CourierOffers } from './courier-offers.js';
import { FixIngestion } from '../ingestion.js';
import type { CourierPositions } from '../positions.js';
import { PROTOCOL, courierOffline, courierOnline } from '../protocol.js';
import { principalOf, type SocketSessions } from '../sessions.js';
import { TokenBucket } from '../token-bucket.js';

const BACKLOG_RATE_PER_S = 50;
const BACKLOG_BURST = 500;

/**
 * /courier: go online/offline and stream fixes. The hot path is
 * server/ingestion.ts (validate → token bucket → one Lua call in the geo index
 * → coalesced positions to each active order's watchers); geofences and
 * arrivals are server/geofences.ts; offers and their answers are
 * courier-offers.ts. Nothing touches the database except the
 * rare geofence arrival and the answer to an offer.
 */
export class CourierNamespace {
  readonly nsp: Namespace;
  /** This process's online couriers. */
  private readonly local = new Map<string, Socket>();
  private readonly ingestion: FixIngestion;
  private readonly geofences: CourierGeofences;
  /** Offers to this process's couriers and their answers (courier-offers.ts). */
  readonly offers: CourierOffers;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    io: Server,
    sessions: SocketSessions,
    private readonly deps: RealtimeDeps,
    private readonly positions: CourierPositions,
  ) {
    this.nsp = io.of('/courier');
    sessions.guard(this.nsp, ['courier']);
    this.geofences = new CourierGeofences(deps);
    this.ingestion = new FixIngestion(deps, positions, this.geofences);
    this.offers = new CourierOffers(deps);
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    this.heartbeat = setInterval(() => void this.deps.presence.heartbeat(this.local.keys()).catch(() => undefined), 20_000);
    this.heartbeat.unref();
  }

  private onConnection(socket: Socket): void {
    const { settings, logger, metrics } = this.deps;
    (socket.data as { courier: unknown }).courier = {
      live: new TokenBucket(settings.fixRatePerS, settings.fixBurst),
      backlog: new TokenBucket(BACKLOG_RATE_PER_S, BACKLOG_BURST),
      online: null,
      jobs: [],
      busy: false,
    };
    metrics.sockets.inc({ namespace: '/courier' });
    guardEvents(socket, '/courier', PROTOCOL['/courier'], metrics);
    socket.on('courier:online', handle(courierOnline, logger, (p) => this.goOnline(socket, p.vehicle, p.capacity)));
    socket.on('courier:offline', handle(courierOffline, logger, () => this.goOffline(socket).then(() => ok({ status: 'offline' as const }))));
    socket.on('location', (...args: unknown[]) => this.ingestion.onLocation(socket, args));
    socket.on('locations', (...args: unknown[]) => this.ingestion.onLocations(socket, args));
    this.offers.attach(socket);
    socket.once('disconnect', () => {
      metrics.sockets.dec({ namespace: '/courier' });
      void this.goOffline(socket)
        .catch((err: unknown) => logger.warn({ err }, 'courier offline on disconnect failed'))
        .then(() => this.offers.detach(socket))
        .catch((err: unknown) => logger.warn({ err }, 'expiring offers on disconnect failed'));
    });
  }

  private async goOnline(socket: Socket, vehicle: Vehicle, capacity: number) {
    const courierId = principalOf(socket).accountId;
    const verdict = await this.deps.courierEligibility.execute(courierId);
    if (!verdict.eligible) throw new AppError('FORBIDDEN', 'This courier may not go online', { details: [{ reason: verdict.reason, message: 'This courier may not go online' }] });
    const state = courierDataOf(socket);
    state.online = { vehicle, capacity, deliveries: new Map(), fences: new Map(), fencesPending: false };
    const previous = await this.deps.presence.online(courierId, socket.id, vehicle);
    if (previous) this.nsp.in(previous.socketId).disconnectSockets(true); // one live socket per courier, cluster-wide
    const old = this.local.get(courierId);
    if (old && old !== socket) old.disconnect(true);
    this.local.set(courierId, socket);
    await this.refreshDeliveries(courierId);
    const online = state.online;
    return ok({ status: statusOf(online), deliveries: [...online.deliveries.values()].map(deliverySummary) });
  }

  private async goOffline(socket: Socket): Promise<void> {
    const state = courierDataOf(socket);
    if (!state?.online) return;
    const courierId = principalOf(socket).accountId;
    const online = state.online;
    state.online = null;
    if (this.local.get(courierId) !== socket) return; // replaced by a newer socket, which owns the state now
    this.local.delete(courierId);
    for (const d of online.deliveries.values()) this.positions.forget(d.orderId);
    await this.deps.presence.offline(courierId, socket.id);
    await this.deps.courierIndex.setState(courierId, stateOf(online, 'offline'));
  }

  /**
   * Reloads the courier's active deliveries (on going online and on every
   * delivery event that concerns them): availability, geofences and the
   * courier's own `courier:deliveries` list follow.
   */
  async refreshDeliveries(courierId: string): Promise<void> {
    const socket = this.local.get(courierId);
    const online = socket ? courierDataOf(socket).online : null;
    if (!socket || !online) return;
    const views = (await this.deps.activeDeliveries.listActiveByCourier(courierId)).map((d) => d.toView());
    const before = online.deliveries;
    online.deliveries = new Map(views.map((v) => [v.id, v]));
    for (const [id, d] of before) if (!online.deliveries.has(id)) this.positions.forget(d.orderId);
    try {
      await this.deps.courierIndex.setState(courierId, stateOf(online));
      await this.geofences.sync(courierId, online);
    } finally {
      // Sent once the fences are in place, so the app knows arrivals will be detected from here on.
      socket.emit('courier:deliveries', { deliveries: views.map(deliverySummary) });
    }
  }

  /** Whether this process holds the courier's live socket and that courier carries the delivery. */
  carries(courierId: string, deliveryId: string): boolean {
    const socket = this.local.get(courierId);
    return !!socket && !!courierDataOf(socket).online?.deliveries.has(deliveryId);
  }
  localCouriers(): IterableIterator<string> {
    return this.local.keys();
  }

  close(): void {
    clearInterval(this.heartbeat);
  }
}

const deliverySummary = (d: DeliveryView) => ({ deliveryId: d.id, orderId: d.orderId, status: d.status, pickup: d.pickup, dropoff: d.dropoff });
