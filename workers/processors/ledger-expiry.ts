import { UnrecoverableError, type Job } from 'bullmq';
import type { ExpirePendingTransfers } from '../../domain/finance/use-cases/create-transfers.js';
import { ledgerExpiryJobSchema } from '../queues.js';

/**
 * The repeatable sweep that expires ledger pending transfers past their timeout (a wallet
 * checkout's hold of an order that never ended). Each expiry is its own transaction and
 * writes `<pending id>:expired`, so two sweeps racing expire each transfer once.
 */
export function ledgerExpiryProcessor(deps: { expirePendingTransfers: ExpirePendingTransfers }) {
  return async (job: Job): Promise<{ expired: number }> => {
    if (!ledgerExpiryJobSchema.safeParse(job.data).success) throw new UnrecoverableError('invalid ledger-expiry job');
    return { expired: await deps.expirePendingTransfers.execute() };
  };
}
