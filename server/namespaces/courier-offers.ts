import type { Socket } from 'socket.io';
import type { OfferNotice } from '../../domain/dispatch/events.js';
import { handle, ok } from '../ack.js';
import type { RealtimeDeps } from '../deps.js';
import { offerAccept, offerDecline, type OfferEnded, type OfferNew } from '../protocol.js';
import { principalOf } from '../sessions.js';

/**
 * Offers on /courier: `offer:new` and `offer:ended` to the courier's sockets
 * of this process (every hub gets every offer event and pushes it to its
 * own), and the answers `offer:accept` / `offer:decline`, acked with the
 * domain's codes. Whether an accept wins is the database's decision
 * (AnswerOffer), so two hubs answering for one delivery at the same instant
 * assign at most one courier. A courier whose last socket goes while they
 * hold an offer lets it expire (reason `disconnected`), so the next courier
 * is asked at once instead of after the timer.
 */
export class CourierOffers {
  /** This process's /courier sockets, per courier (online or not: answering needs no fixes). */
  private readonly sockets = new Map<string, Set<Socket>>();

  constructor(private readonly deps: Pick<RealtimeDeps, 'offers' | 'presence' | 'logger' | 'metrics'>) {}

  attach(socket: Socket): void {
    const courierId = principalOf(socket).accountId;
    let set = this.sockets.get(courierId);
    if (!set) this.sockets.set(courierId, (set = new Set()));
    set.add(socket);
    const { logger, offers } = this.deps;
    socket.on(
      'offer:accept',
      handle(offerAccept, logger, async ({ offerId }) => {
        const { offer } = await offers.accept(principalOf(socket).accountId, offerId);
        return ok({ offerId: offer.id, deliveryId: offer.deliveryId, orderId: offer.orderId, status: 'accepted' as const });
      }),
    );
    socket.on(
      'offer:decline',
      handle(offerDecline, logger, async ({ offerId, reason }) => {
        const offer = await offers.decline(principalOf(socket).accountId, offerId, reason ?? null);
        return ok({ offerId: offer.id, status: 'declined' as const });
      }),
    );
  }

  /**
   * Called once the socket's disconnect has been handled (it went offline):
   * when it was the courier's last socket here and no hub holds them online,
   * their pending offers expire.
   */
  async detach(socket: Socket): Promise<void> {
    const courierId = principalOf(socket).accountId;
    const set = this.sockets.get(courierId);
    set?.delete(socket);
    if (set && set.size > 0) return;
    if (set) this.sockets.delete(courierId);
    if (await this.deps.presence.get(courierId)) return; // online on another socket or hub
    const pending = await this.deps.offers.listPendingByCourier(courierId);
    for (const offer of pending) await this.deps.offers.expire(offer.id, 'disconnected');
  }

  /** An offer event from any process: pushed to the courier's sockets of this one. */
  deliver(e: OfferNotice): void {
    const sockets = this.sockets.get(e.courierId);
    if (!sockets) return;
    if (e.type === 'dispatch.offer.made') {
      const payload: OfferNew = { offerId: e.offerId, deliveryId: e.deliveryId, orderId: e.orderId, pickup: e.pickup, dropoff: e.dropoff, feeMinor: e.feeMinor, expiresAt: e.expiresAt };
      for (const s of sockets) s.emit('offer:new', payload);
      this.deps.metrics.broadcasts.inc({ event: 'offer:new' });
    } else {
      const payload: OfferEnded = { offerId: e.offerId, deliveryId: e.deliveryId, status: e.status, reason: e.reason };
      for (const s of sockets) s.emit('offer:ended', payload);
      this.deps.metrics.broadcasts.inc({ event: 'offer:ended' });
    }
  }
}
