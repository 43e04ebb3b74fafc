import { AppError, conflict, notFound } from '../../shared/errors.js';
import { CLOSING, type Reservation } from '../inventory.js';
import { moveStock, type StockDeps } from './stock-support.js';

type Outcome = 'released' | 'expired' | 'committed';

/**
 * Ends a reservation: `release` (checkout abandoned), `expire` (the release
 * job, past its time) or `commit` (paid: the units leave on hand as a sale).
 * Each is idempotent: closing it the same way again answers the same
 * reservation. Only an active reservation closes; the status flip is a
 * conditional update in the same transaction as the counters, so a commit
 * racing the expiry job wins or loses whole.
 */
export class CloseReservation {
  constructor(private readonly deps: StockDeps) {}

  release(id: string): Promise<Reservation> {
    return this.close(id, 'released');
  }
  expire(id: string): Promise<Reservation> {
    return this.close(id, 'expired');
  }
  commit(id: string): Promise<Reservation> {
    return this.close(id, 'committed');
  }

  private async close(id: string, to: Outcome): Promise<Reservation> {
    const { inventory, unitOfWork, clock } = this.deps;
    return unitOfWork.transaction(async () => {
      const r = await inventory.findReservation(id);
      if (!r) throw notFound('Reservation');
      const now = clock.now();
      if (r.status === to) return r;
      if (r.status !== 'active') throw conflict(`The reservation is already ${r.status}`, [{ field: 'reservationId', reason: r.status, message: `is ${r.status}` }]);
      if (to === 'committed' && Date.parse(r.expiresAt) <= now.getTime()) throw conflict('The reservation has expired', [{ field: 'reservationId', reason: 'expired', message: 'has expired' }]);
      if (!(await inventory.closeReservation(id, to, now))) return (await inventory.findReservation(id))!;
      const rule = CLOSING[to];
      for (const line of r.lines) {
        const change = { onHand: rule.onHand(line.quantity), reserved: rule.reserved(line.quantity), guardAvailable: false, ...(rule.overdraw ? { overdraw: true } : {}) };
        const level = await moveStock(this.deps, { variantId: line.variantId, kind: rule.kind, change, reservationId: id, at: now });
        if (!level) throw new AppError('INTERNAL_ERROR', `reservation ${id} holds more than variant ${line.variantId} has reserved`);
      }
      return { ...r, status: to, updatedAt: now.toISOString() };
    });
  }
}
