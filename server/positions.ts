import type { Namespace, Server } from 'socket.io';
import { stopsToDoor, type DeliveryView } from '../domain/delivery/model.js';
import { etaThrough, etaThroughNow, type DoorEta, type Fix, type LatLng, type Vehicle } from '../geo/index.js';
import type { RealtimeDeps } from './deps.js';
import { PositionFanout } from './position-fanout.js';
import type { CourierPosition } from './protocol.js';

export const orderRoom = (orderId: string) => `order:${orderId}`;

type Route = Pick<DeliveryView, 'status' | 'pickup' | 'dropoff'>;

/** ETA from `at` to the customer's door. */
export const etaToDoor = (eta: RealtimeDeps['eta'], d: Route, at: LatLng, vehicle: Vehicle): Promise<DoorEta | null> => etaThrough(eta, at, stopsToDoor(d), vehicle);

/** The watcher's view of a fix: where the courier is and when the order should arrive. */
function positionOf(orderId: string, at: Fix, eta: DoorEta | null): CourierPosition {
  return { orderId, lat: at.lat, lng: at.lng, heading: at.heading ?? null, speed: at.speed ?? null, ts: at.ts, etaSeconds: eta?.seconds ?? null, etaSource: eta?.source ?? null };
}

/** `cell`: the index's H3 cell of `at` (it spares the ETA an H3 lookup). */
type Pending = { delivery: DeliveryView; at: Fix; cell: string | undefined; vehicle: Vehicle };

/** Where positions for the other hubs go (server/position-channel.ts). */
export interface PositionSink {
  publish(room: string, position: CourierPosition): void;
}

/**
 * Positions of this hub's couriers to the watchers of their orders, on every
 * hub. Coalesced per order (PositionFanout); the ETA is computed only for the
 * positions that are sent. This hub's own watchers get each position at once
 * (`local`, no Redis on the way); the other hubs get it through the position
 * channel, which hands it back here (`deliverFromPeer`) on their side. The
 * Socket.IO adapter is not on this path: it would publish one message per
 * position and echo it back to this hub.
 */
export class CourierPositions {
  private readonly fanout: PositionFanout<Pending>;
  private readonly customers: Namespace;
  /**
   * Not volatile. Socket.IO drops a volatile packet whenever the socket's transport is still
   * writing the previous one, which is always the case for a second packet in the same tick:
   * a customer watching two orders (or a store owner watching many) lost every position that
   * left in the same fan-out tick as another — one order got 0 of 8. Coalescing already bounds
   * the rate per order (2/s), so a slow socket's buffer is bounded by that rate until the
   * heartbeat drops a dead one. Built once (the hot path emits through it).
   */
  private readonly local: ReturnType<Namespace['to']>;
  private sink: PositionSink | null = null;

  constructor(io: Server, deps: Pick<RealtimeDeps, 'eta' | 'logger' | 'metrics' | 'settings'>) {
    this.customers = io.of('/customer');
    this.local = this.customers.local;
    const sent = deps.metrics.broadcasts.labels('courier:position');
    this.fanout = new PositionFanout<Pending>((orderId, { delivery, at, cell, vehicle }) => {
      const send = (eta: DoorEta | null) => {
        const position = positionOf(orderId, at, eta);
        const room = orderRoom(orderId);
        this.local.to(room).emit('courier:position', position);
        this.sink?.publish(room, position);
        sent.inc();
      };
      // Usually the ETA is answered from memory; only a cold cell pair waits for Redis.
      const stops = stopsToDoor(delivery);
      const eta = etaThroughNow(deps.eta, at, stops, vehicle, cell);
      if (eta !== undefined) return send(eta);
      // Without an ETA (learned speeds unreadable: Redis down) the position still goes out.
      etaThrough(deps.eta, at, stops, vehicle).then(send, (err: unknown) => {
        deps.logger.warn({ err, orderId }, 'no ETA for this position');
        send(null);
      });
    }, deps.settings.positionIntervalMs);
  }

  /** Connects the path to the other hubs. */
  connect(sink: PositionSink): void {
    this.sink = sink;
  }

  /** A fix of a courier carrying `delivery`: its watchers see it (coalesced per order). */
  offer(delivery: DeliveryView, at: Fix, cell: string | undefined, vehicle: Vehicle): void {
    this.fanout.offer(delivery.orderId, { delivery, at, cell, vehicle });
  }

  /** Forget an order (final status, or its courier went away). */
  forget(orderId: string): void {
    this.fanout.forget(orderId);
  }

  /** A position another hub sent: to the watchers of `room` connected here, if any. */
  deliverFromPeer(room: string, position: CourierPosition): void {
    if (this.customers.adapter.rooms.has(room)) this.local.to(room).emit('courier:position', position);
  }

  close(): void {
    this.fanout.close();
  }
}
