import type { Socket } from 'socket.io';
import type { DeliveryView, Stop } from '../domain/delivery/model.js';
import type { CourierState, CourierStatus, IndexedStatus, Vehicle } from '../geo/index.js';
import type { FixPayload, LocationAck } from './protocol.js';
import type { TokenBucket } from './token-bucket.js';

/** What a fence stands for: the stop of one delivery. Arrivals read it from here, never from the fence's id. */
export interface Fence {
  stop: Stop;
  deliveryId: string;
}

export type FixIn = FixPayload & { index?: number };
export type Rejected = { index: number; code: 'VALIDATION_ERROR'; message: string };

/** One `location` or `locations` message, admitted and waiting for its turn on its socket. */
export interface FixJob {
  fixes: FixIn[];
  dropped: number;
  rejected: Rejected[];
  reply: (ack: LocationAck) => void;
  live: boolean;
  started: number;
  /** Diagnostics only (server/fix-probe.ts): when the job got its turn, and when the index answered. */
  began?: number;
  applied?: number;
}

/** What this process knows of an online courier: its vehicle, its active deliveries and the fences placed for them. */
export interface Online {
  vehicle: Vehicle;
  capacity: number;
  deliveries: Map<string, DeliveryView>;
  /** Fences placed in the index, by the id the index reports in its events. */
  fences: Map<string, Fence>;
  /** Fences could not be placed yet (the index places them once the courier has a position). */
  fencesPending: boolean;
}

export interface CourierSocketData {
  live: TokenBucket;
  backlog: TokenBucket;
  online: Online | null;
  /** This socket's fix messages waiting for the one being applied: they apply in order. */
  jobs: FixJob[];
  /** A message of this socket is being applied. */
  busy: boolean;
}

export const courierDataOf = (socket: Socket): CourierSocketData => (socket.data as { courier: CourierSocketData }).courier;

export const statusOf = (online: Online): IndexedStatus => (online.deliveries.size >= online.capacity ? 'busy' : 'available');

/** The courier's state in the geo index follows from what the socket knows: vehicle, capacity and active deliveries. */
export const stateOf = (online: Online, status: CourierStatus = statusOf(online)): CourierState => ({ status, vehicle: online.vehicle, capacity: online.capacity, load: online.deliveries.size });
