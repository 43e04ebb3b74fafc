import { ARRIVAL_STATUS, GEOFENCE_FOR, type Stop } from '../domain/delivery/model.js';
import { isGeoError, type GeofenceEvent } from '../geo/index.js';
import type { Fence, Online } from './courier-state.js';
import type { RealtimeDeps } from './deps.js';

/** The id a fence has in the index: one fence per stop of a delivery. */
export type FenceId = `${Stop}:${string}`;

export const fenceIdOf = (f: Fence): FenceId => `${f.stop}:${f.deliveryId}`;

/**
 * Geofences around the stop each active delivery heads to (the pickup until
 * picked up, then the dropoff), kept in the index in step with the courier's
 * deliveries, and the arrivals they report, recorded as status changes.
 */
export class CourierGeofences {
  constructor(private readonly deps: Pick<RealtimeDeps, 'courierIndex' | 'recordArrival' | 'logger' | 'settings'>) {}

  /** Places the fences the deliveries need and removes the others. */
  async sync(courierId: string, online: Online): Promise<void> {
    const wanted = new Map<FenceId, { fence: Fence; at: { lat: number; lng: number } }>();
    for (const d of online.deliveries.values()) {
      const stop = GEOFENCE_FOR[d.status];
      if (!stop) continue;
      const fence = { stop, deliveryId: d.id };
      wanted.set(fenceIdOf(fence), { fence, at: d[stop] });
    }
    for (const id of online.fences.keys()) {
      if (wanted.has(id as FenceId)) continue;
      await this.deps.courierIndex.removeGeofence(courierId, id);
      online.fences.delete(id);
    }
    online.fencesPending = false;
    for (const [id, { fence, at }] of wanted) {
      if (online.fences.has(id)) continue;
      // Known before the index holds it: an arrival reported right after placing it is not missed.
      online.fences.set(id, fence);
      try {
        await this.deps.courierIndex.setGeofence(courierId, { id, lat: at.lat, lng: at.lng, radiusM: this.deps.settings.arrivalRadiusM });
      } catch (err) {
        online.fences.delete(id);
        if (!(isGeoError(err) && err.reason === 'UNKNOWN_COURIER')) throw err;
        online.fencesPending = true; // no fix yet: placed right after the first one
      }
    }
  }

  /**
   * After a message's fixes: places pending fences (the courier now has a
   * position) and records the arrivals. Never rejects: the fixes are stored,
   * and an arrival that fails is re-detected on the next visit or set by hand.
   */
  async afterFixes(courierId: string, online: Online, placePending: boolean, arrivals: GeofenceEvent[] | null): Promise<void> {
    if (placePending) await this.sync(courierId, online).catch((err: unknown) => this.deps.logger.warn({ err, courierId }, 'geofences could not be placed'));
    if (arrivals) await this.arrive(courierId, online, arrivals);
  }

  private async arrive(courierId: string, online: Online, events: GeofenceEvent[]): Promise<void> {
    for (const e of events) {
      const fence = online.fences.get(e.fenceId);
      if (!fence) continue; // a fence this socket no longer keeps (its delivery moved on)
      const status = ARRIVAL_STATUS[fence.stop];
      try {
        await this.deps.recordArrival.execute({ deliveryId: fence.deliveryId, courierId, status, at: new Date(e.ts) });
      } catch (err) {
        this.deps.logger.warn({ err, courierId, deliveryId: fence.deliveryId, status }, 'geofence arrival could not be recorded');
      }
    }
  }
}
