import type { Clock } from '../../shared/ids.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { Offer } from '../model.js';
import type { OfferRepository } from '../ports.js';

/** Most offers one read looks at (made in the last few timeouts: 41 offers a second over two minutes). */
export const PENDING_READ_LIMIT = 5_000;
/** A timer that fires late leaves an offer pending past its expiry for a moment: look this far further back. */
const LATE_TIMER_MARGIN_S = 60;

export interface PendingOfferView {
  offerId: string;
  deliveryId: string;
  orderId: string;
  courierId: string;
  round: number;
  offeredAt: string;
  expiresAt: string;
}

export interface ListPendingOffersDeps {
  offers: OfferRepository;
  liveSettings: SettingsReader;
  clock: Clock;
}

/**
 * The offers waiting for a courier's answer now, soonest to expire first: what the ops board lists when
 * it (re)connects, before the next `offer:event`. An offer lasts `dispatch.offerTimeoutSeconds`, so
 * a pending one was made within that (twice over, in case the setting was just lowered, plus a margin
 * for a late timer): the read needs no index of its own, only the offers made since.
 */
export class ListPendingOffers {
  constructor(private readonly deps: ListPendingOffersDeps) {}

  async execute(): Promise<PendingOfferView[]> {
    const now = this.deps.clock.now().getTime();
    const lookbackS = 2 * this.deps.liveSettings.get('dispatch.offerTimeoutSeconds') + LATE_TIMER_MARGIN_S;
    const made = await this.deps.offers.listOfferedSince(new Date(now - lookbackS * 1000), PENDING_READ_LIMIT);
    return made
      .filter((o) => o.status === 'pending')
      .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt))
      .map(viewOf);
  }
}

const viewOf = (o: Offer): PendingOfferView => ({ offerId: o.id, deliveryId: o.deliveryId, orderId: o.orderId, courierId: o.courierId, round: o.round, offeredAt: o.offeredAt, expiresAt: o.expiresAt });
