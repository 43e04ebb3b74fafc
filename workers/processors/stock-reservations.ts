import { UnrecoverableError, type Job } from 'bullmq';
import type { ExpireReservations } from '../../domain/catalog/use-cases/expire-reservations.js';
import { stockReservationJobSchema } from '../queues.js';

/**
 * How often expired reservations are released. A reservation lives minutes;
 * releasing it up to this late keeps its units from sale no longer than that.
 */
export const STOCK_RESERVATION_SWEEP_MS = 15_000;

/** Idempotent: each reservation closes once (a conditional status update), so overlapping runs do no harm. */
export function stockReservationProcessor(deps: { expireReservations: ExpireReservations }) {
  return async (job: Job): Promise<{ expired: number }> => {
    if (!stockReservationJobSchema.safeParse(job.data).success) throw new UnrecoverableError('invalid stock-reservations job');
    return { expired: await deps.expireReservations.execute() };
  };
}
