import type { Clock } from '../../shared/ids.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import type { SettingsReader } from '../../platform/ports.js';
import { TAKEN_REASONS, type DispatchState, type Offer } from '../model.js';
import type { CourierShifts, DispatchRepository, OfferRepository } from '../ports.js';
import { dispatchStats, type CourierTime, type DeliveryRecord, type DispatchStats, type OfferRecord } from '../stats.js';

/** Most deliveries and offers one window reads; a busier window reports on its first ones (`truncated`). */
export const STATS_LIMIT = 5_000;

export interface DispatchStatsView extends DispatchStats {
  window: { from: string; to: string; minutes: number };
  deliveries: number;
  offers: number;
  couriers: number;
  truncated: boolean;
}

export interface DispatchQueriesDeps {
  dispatches: DispatchRepository;
  offers: OfferRepository;
  deliveries: DeliveryRepository;
  courierShifts: CourierShifts;
  liveSettings: SettingsReader;
  clock: Clock;
}

const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);
const FINISHED = ['delivered', 'cancelled', 'failed'] as const;

/**
 * The ops board's dispatch figures over the last `windowMinutes`: the
 * deliveries dispatch opened in the window and the offers made in it, turned
 * into records for `dispatchStats` (the simulation reports through the same
 * function). Offers withdrawn because the delivery went elsewhere are no
 * courier's answer, so they are left out of the acceptance rate. A delivery is
 * promised `dispatch.promiseMinutes` after dispatch opened it. Courier time:
 * the couriers offered or assigned in the window; time online from their
 * presence (online now: since they came online, within the window; offline
 * now: their job time, the only time known).
 */
export class DispatchQueries {
  constructor(private readonly deps: DispatchQueriesDeps) {}

  async stats(windowMinutes: number): Promise<DispatchStatsView> {
    const now = this.deps.clock.now().getTime();
    const from = now - windowMinutes * 60_000;
    const [states, offers] = await Promise.all([this.deps.dispatches.listOpenedSince(new Date(from), STATS_LIMIT), this.deps.offers.listOfferedSince(new Date(from), STATS_LIMIT)]);
    const deliveries = await Promise.all(states.map((s) => this.deps.deliveries.findById(s.deliveryId)));
    const promiseMs = this.deps.liveSettings.get('dispatch.promiseMinutes') * 60_000;
    const records: DeliveryRecord[] = states.map((s, i) => recordOf(s, deliveries[i]?.toView() ?? null, promiseMs));
    const jobs = new Map<string, number>();
    deliveries.forEach((d, i) => {
      const v = d?.toView();
      const start = ms(states[i]!.firstAssignedAt) ?? ms(v?.timestamps.assigned);
      if (!v?.courierId || start === null) return;
      const end = FINISHED.map((f) => ms(v.timestamps[f])).find((t) => t !== null) ?? now;
      jobs.set(v.courierId, (jobs.get(v.courierId) ?? 0) + Math.max(0, end - Math.max(start, from)));
    });
    const seen = [...new Set([...jobs.keys(), ...offers.map((o) => o.courierId)])];
    const since = await this.deps.courierShifts.onlineSince(seen);
    const couriers: CourierTime[] = seen.map((id) => {
      const onJobMs = jobs.get(id) ?? 0;
      const online = since.get(id);
      return { onJobMs, onlineMs: online === undefined ? onJobMs : Math.max(onJobMs, now - Math.max(online, from)) };
    });
    const answered: OfferRecord[] = offers.filter((o) => !(o.status === 'expired' && o.endReason !== null && TAKEN_REASONS.includes(o.endReason))).map(offerRecord);
    return {
      ...dispatchStats({ deliveries: records, offers: answered, couriers }),
      window: { from: new Date(from).toISOString(), to: new Date(now).toISOString(), minutes: windowMinutes },
      deliveries: records.length,
      offers: answered.length,
      couriers: couriers.length,
      truncated: states.length >= STATS_LIMIT || offers.length >= STATS_LIMIT,
    };
  }
}

function recordOf(s: DispatchState, d: { timestamps: Partial<Record<string, string>> } | null, promiseMs: number): DeliveryRecord {
  const openedAt = Date.parse(s.openedAt);
  return {
    openedAt,
    assignedAt: ms(s.firstAssignedAt),
    arrivedAtStoreAt: ms(d?.timestamps.at_pickup),
    pickedUpAt: ms(d?.timestamps.picked_up),
    deliveredAt: ms(d?.timestamps.delivered),
    promisedBy: openedAt + promiseMs,
    reassignments: Math.max(0, s.assignments - 1),
  };
}

const offerRecord = (o: Offer): OfferRecord => ({ sentAt: Date.parse(o.offeredAt), outcome: o.status === 'pending' ? 'open' : o.status, answeredAt: ms(o.endedAt) });
