import type { Clock } from '../../shared/ids.js';
import type { Coordinate } from '../../shared/coordinate.js';
import { VEHICLES, type Vehicle } from '../../shared/vehicles.js';
import { STOP_AHEAD, stopsToDoor, type DeliveryStatus } from '../../delivery/model.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import type { CourierLocator } from '../ports.js';

/** Most deliveries one request asks about (the ops board asks for its listed ones, in pages of this). */
export const ETAS_MAX_IDS = 100;

/** The vehicle assumed for a delivery nobody carries yet (the ETA from its pickup to its door). */
const UNASSIGNED_VEHICLE: Vehicle = 'motorbike';

export type EtaSourceName = 'google' | 'learned' | 'haversine';

export interface DeliveryEta {
  deliveryId: string;
  status: DeliveryStatus;
  /** Seconds from `at` to the customer's door, through the pickup while it is still ahead. */
  etaS: number;
  /** The weakest source among the legs (a road answer, a learned pace, or the great-circle model). */
  source: EtaSourceName;
  /** Where the ETA starts: the courier's last fix, or the pickup when nobody carries it or their position is unknown. */
  from: 'courier' | 'pickup';
  /** The courier's last fix (ms since epoch), when the ETA starts there. */
  fixTs: number | null;
  /** When this ETA was computed (ISO). */
  at: string;
}

export interface DeliveryEtasDeps {
  deliveries: Pick<DeliveryRepository, 'findById'>;
  courierLocator: Pick<CourierLocator, 'getCourier'>;
  /** The geo ETA layers through stops in order: total seconds and the weakest source; null with no stops. */
  etaThrough: (at: Coordinate, stops: readonly Coordinate[], vehicle: Vehicle) => Promise<{ seconds: number; source: EtaSourceName } | null>;
  clock: Clock;
}

/**
 * The ETA to the customer's door of each open delivery asked for, from the
 * same ETA layers as the tracking page (a cached road answer, a learned
 * pace, the great-circle model): from the courier's last fix through the
 * stops still ahead, or from the pickup when nobody carries it yet (or the
 * index has no position for its courier). The ops board's late alert reads
 * it. Final deliveries and unknown ids are left out.
 */
export class DeliveryEtas {
  constructor(private readonly deps: DeliveryEtasDeps) {}

  async execute(deliveryIds: readonly string[]): Promise<DeliveryEta[]> {
    const at = this.deps.clock.now().toISOString();
    const found = await Promise.all([...new Set(deliveryIds)].map((id) => this.one(id, at)));
    return found.filter((e): e is DeliveryEta => e !== null);
  }

  private async one(id: string, at: string): Promise<DeliveryEta | null> {
    const d = await this.deps.deliveries.findById(id);
    if (!d) return null;
    const v = d.toView();
    const stop = STOP_AHEAD[v.status];
    if (v.status !== 'pending' && stop === null) return null; // over: nothing to arrive
    const courier = v.courierId && stop !== null ? await this.deps.courierLocator.getCourier(v.courierId) : null;
    const fix = courier?.lastFix ?? null;
    const vehicle = courier && (VEHICLES as readonly string[]).includes(courier.state.vehicle) ? (courier.state.vehicle as Vehicle) : UNASSIGNED_VEHICLE;
    const start: Coordinate = fix ? { lat: fix.lat, lng: fix.lng } : v.pickup;
    // From the courier: the stops ahead. From the pickup: the dropoff (a picked-up order whose courier is unseen is at best there).
    const stops = fix ? stopsToDoor(v) : [v.dropoff];
    const eta = await this.deps.etaThrough(start, stops, vehicle);
    if (!eta) return null;
    return { deliveryId: v.id, status: v.status, etaS: eta.seconds, source: eta.source, from: fix ? 'courier' : 'pickup', fixTs: fix?.ts ?? null, at };
  }
}
