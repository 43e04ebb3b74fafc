import { UnrecoverableError, type Job } from 'bullmq';
import type { ExpireCarts } from '../../domain/ordering/use-cases/expire-carts.js';
import { cartExpiryJobSchema } from '../queues.js';

/**
 * How often idle carts are looked for. Idle times are hours or days
 * (`cart.idleExpiryMinutes`, at least 5 minutes), so a cart closes at most
 * this late; each sweep is one indexed range read when nothing is due.
 */
export const CART_EXPIRY_SWEEP_MS = 60_000;
/** Closed carts are kept for weeks: an hourly purge is plenty. */
export const CART_PURGE_EVERY_MS = 3_600_000;

/** Idempotent: each cart closes once (a version-checked save) and deleting what is gone deletes nothing, so overlapping runs do no harm. */
export function cartExpiryProcessor(deps: { expireCarts: ExpireCarts }) {
  return async (job: Job): Promise<{ expired: number } | { purged: number }> => {
    const parsed = cartExpiryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid cart-expiry job');
    return parsed.data.task === 'expire' ? { expired: await deps.expireCarts.execute() } : { purged: await deps.expireCarts.purgeClosed() };
  };
}
