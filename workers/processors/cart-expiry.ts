import { UnrecoverableError, type Job } from 'bullmq';
import type { ExpireCarts } from '../../domain/ordering/use-cases/expire-carts.js';
import { cartExpiryJobSchema } from '../queues.js';

/**
 * How often idle carts are looked for. Idle times are hours or days
 * (`cart.idleExpiryMinutes`, at least 5 minutes), so a cart closes at most
 * this late; each sweep is one indexed range read when nothing is due.
 */
export const CART_EXPIRY_SWEEP_MS = 60_000;

/** Idempotent: each cart closes once (a version-checked save), so overlapping sweeps do no harm. */
export function cartExpiryProcessor(deps: { expireCarts: ExpireCarts }) {
  return async (job: Job): Promise<{ expired: number }> => {
    if (!cartExpiryJobSchema.safeParse(job.data).success) throw new UnrecoverableError('invalid cart-expiry job');
    return { expired: await deps.expireCarts.execute() };
  };
}
