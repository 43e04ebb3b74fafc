import { conflict, validationError } from '../../shared/errors.js';
import { insufficientStock, MAX_RESERVATION_TTL_S, reservationLines, type Reservation, type ReservationLine } from '../inventory.js';
import { moveStock, type StockDeps } from './stock-support.js';

export interface ReserveStockInput {
  lines: ReservationLine[];
  ttlS: number;
  /** The checkout's idempotency key: reserving again with it answers the first reservation. */
  key: string;
}

/**
 * Holds stock for a checkout, all lines or none: each line is one atomic
 * conditional update (available ≥ quantity, unless backorders) in one
 * transaction with its movement, so concurrent checkouts never oversell.
 * The Orders checkout calls this; nothing is exposed over HTTP.
 */
export class ReserveStock {
  constructor(private readonly deps: StockDeps) {}

  async execute(input: ReserveStockInput): Promise<Reservation> {
    const lines = reservationLines(input.lines);
    assertKeyAndTtl(input);
    const { inventory, unitOfWork, clock, ids } = this.deps;
    const earlier = await inventory.findReservationByKey(input.key);
    if (earlier) return sameLinesOrConflict(earlier, lines);
    const id = ids.next();
    try {
      return await unitOfWork.transaction(async () => {
        const now = clock.now();
        const reservation: Reservation = {
          id,
          key: input.key,
          lines,
          status: 'active',
          expiresAt: new Date(now.getTime() + input.ttlS * 1000).toISOString(),
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        };
        await inventory.createReservation(reservation);
        for (const line of lines) {
          const level = await moveStock(this.deps, { variantId: line.variantId, kind: 'reservation', change: { onHand: 0, reserved: line.quantity, guardAvailable: true }, reservationId: reservation.id, at: now });
          if (!level) throw insufficientStock(line.variantId, line.quantity);
        }
        return reservation;
      });
    } catch (err) {
      // Lost a race with the same key: the winner's reservation is the answer. Inside a caller's
      // transaction (the checkout's) nothing has rolled back yet, so our own row is still visible: not a winner.
      const winner = await inventory.findReservationByKey(input.key);
      if (winner && winner.id !== id) return sameLinesOrConflict(winner, lines);
      throw err;
    }
  }
}

function assertKeyAndTtl(input: ReserveStockInput): void {
  if (typeof input.key !== 'string' || input.key.length < 8 || input.key.length > 128) throw validationError('key must be 8 to 128 characters', [{ field: 'key', message: 'must be 8 to 128 characters' }]);
  if (!Number.isInteger(input.ttlS) || input.ttlS < 1 || input.ttlS > MAX_RESERVATION_TTL_S) throw validationError(`ttlS must be 1 to ${MAX_RESERVATION_TTL_S} seconds`, [{ field: 'ttlS', message: `must be 1 to ${MAX_RESERVATION_TTL_S}` }]);
}

function sameLinesOrConflict(r: Reservation, lines: ReservationLine[]): Reservation {
  const same = r.lines.length === lines.length && r.lines.every((l, i) => l.variantId === lines[i]!.variantId && l.quantity === lines[i]!.quantity);
  if (!same) throw conflict('This key already reserved other lines', [{ field: 'key', reason: 'key_reused', message: 'already used for other lines' }]);
  return r;
}
