import type { UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { AppError } from '../../shared/errors.js';
import { apply, checkRequest, expiryOf, normalize, type Working } from '../ledger.js';
import { TransferIdTaken, ledgerError, sameTransfer, type Transfer, type TransferRequest } from '../model.js';
import type { LedgerRepository } from '../ports.js';

export interface LedgerDeps {
  ledger: LedgerRepository;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

export interface TransferResult {
  transfer: Transfer;
  /** False when the id was already there with the same fields: a retry, which changed nothing. */
  created: boolean;
}

/** A lost race on a transfer id is re-run this many times; the re-run finds the winner's transfer. */
const ID_RACE_RETRIES = 3;
// An order of 100 lines settles in one batch: a commission per line plus the hold, fee and cut.
const MAX_BATCH = 128;

/**
 * Writes transfers as one linked batch: all of them commit, or none does and the first
 * failure is thrown with its code (and the index of the transfer at fault). A transfer whose
 * id already exists with the same fields is answered as it was (created: false); with other
 * fields the batch is refused with LEDGER_TRANSFER_EXISTS.
 *
 * The story, in one transaction: find the ids already written, find the pending transfers to
 * resolve, lock every account touched (in id order), lock the pending states, apply each
 * transfer in memory under the ledger's rules, then store balances, transfers and states.
 */
export class CreateTransfers {
  constructor(private readonly deps: LedgerDeps) {}

  async execute(requests: readonly TransferRequest[]): Promise<TransferResult[]> {
    assertBatch(requests);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.unitOfWork.transaction(() => this.commit(requests));
      } catch (err) {
        if (!(err instanceof TransferIdTaken) || attempt > ID_RACE_RETRIES) throw err;
      }
    }
  }

  /** One transfer on its own (a linked batch of one). */
  async one(request: TransferRequest): Promise<TransferResult> {
    return (await this.execute([request]))[0]!;
  }

  private async commit(requests: readonly TransferRequest[]): Promise<TransferResult[]> {
    const now = this.deps.clock.now();
    const { ledger } = this.deps;
    const existing = new Map((await ledger.findTransfers(requests.map((r) => r.id))).map((t) => [t.id, t]));
    const pendingIds = [...new Set(requests.flatMap((r) => ('pendingId' in r ? [r.pendingId] : [])))];
    const pendingTransfers = new Map((await ledger.findTransfers(pendingIds)).map((t) => [t.id, t]));
    const planned = requests.map((r, i) => withIndex(i, () => {
      // A batch's transfers are stamped a millisecond apart: statements (ordered by time, then id) list them as they were applied.
      const t = { ...normalize(r, pendingTransfers.get('pendingId' in r ? r.pendingId : '') ?? batchPending(requests, r, pendingTransfers, now), now), createdAt: new Date(now.getTime() + i).toISOString() };
      const before = existing.get(t.id);
      if (before && !sameTransfer(before, t)) throw ledgerError('LEDGER_TRANSFER_EXISTS', `transfer ${t.id} exists with other fields`, { transferId: t.id });
      return { transfer: before ?? t, created: !before };
    }));
    const fresh = planned.filter((p) => p.created).map((p) => p.transfer);
    if (fresh.length === 0) return planned;
    const accountIds = [...new Set(fresh.flatMap((t) => [t.debitAccountId, t.creditAccountId]))];
    const w: Working = {
      accounts: new Map((await ledger.lockAccounts(accountIds)).map((a) => [a.id, a])),
      pendingTransfers,
      pendingStates: new Map((await ledger.lockPendingStates(pendingIds.filter((id) => pendingTransfers.has(id)))).map((s) => [s.transferId, s])),
    };
    const touchedStates = new Set<string>();
    fresh.forEach((t) => withIndex(requests.findIndex((r) => r.id === t.id), () => {
      apply(w, t, now);
      if (t.kind === 'pending') touchedStates.add(t.id);
      else if (t.pendingId) touchedStates.add(t.pendingId);
    }));
    await ledger.saveBalances(accountIds.map((id) => w.accounts.get(id)!));
    await ledger.insertTransfers(fresh);
    if (touchedStates.size) await ledger.savePendingStates([...touchedStates].map((id) => w.pendingStates.get(id)!));
    return planned;
  }
}

/**
 * Expires pending transfers whose timeout passed: each is voided by a transfer the ledger
 * writes itself (`<pending id>:expired`), so it resolves exactly once even when two runs race.
 */
export class ExpirePendingTransfers {
  constructor(private readonly deps: LedgerDeps) {}

  async execute(limit = 100): Promise<number> {
    const now = this.deps.clock.now();
    let expired = 0;
    for (const pending of await this.deps.ledger.expiredPending(now, limit)) {
      const done = await this.deps.unitOfWork.transaction(async () => {
        const t = expiryOf(pending, now);
        // Accounts first, then the state: the order CreateTransfers takes them in.
        const accounts = await this.deps.ledger.lockAccounts([t.debitAccountId, t.creditAccountId]);
        const [state] = await this.deps.ledger.lockPendingStates([pending.id]);
        if (!state || state.status !== 'pending') return false;
        const w: Working = {
          accounts: new Map(accounts.map((a) => [a.id, a])),
          pendingTransfers: new Map([[pending.id, pending]]),
          pendingStates: new Map([[state.transferId, state]]),
        };
        apply(w, t, now);
        await this.deps.ledger.saveBalances([w.accounts.get(t.debitAccountId)!, w.accounts.get(t.creditAccountId)!]);
        await this.deps.ledger.insertTransfers([t]);
        await this.deps.ledger.savePendingStates([w.pendingStates.get(pending.id)!]);
        return true;
      }).catch((err: unknown) => {
        if (err instanceof TransferIdTaken) return false;
        throw err;
      });
      if (done) expired++;
    }
    return expired;
  }
}

/** A post or void of a pending transfer written earlier in the same batch. */
function batchPending(requests: readonly TransferRequest[], r: TransferRequest, known: Map<string, Transfer>, now: Date): Transfer | null {
  if (!('pendingId' in r)) return null;
  const earlier = requests.find((x) => x.id === r.pendingId && x.kind === 'pending');
  if (!earlier) return null;
  const t = normalize(earlier, null, now);
  known.set(t.id, t);
  return t;
}

function assertBatch(requests: readonly TransferRequest[]): void {
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_BATCH) {
    throw new AppError('VALIDATION_ERROR', `a batch holds 1–${MAX_BATCH} transfers`, { details: [{ field: 'transfers', message: 'bad batch size' }] });
  }
  requests.forEach((r, i) => checkRequest(r, `transfers.${i}`));
  const ids = requests.map((r) => r.id);
  if (new Set(ids).size !== ids.length) throw new AppError('VALIDATION_ERROR', 'a batch names each transfer id once', { details: [{ field: 'transfers', message: 'duplicate id in batch' }] });
}

/** Adds the failing transfer's place in the batch to a coded error's details. */
function withIndex<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AppError && Array.isArray(err.details)) for (const d of err.details as Record<string, unknown>[]) d.index = index;
    throw err;
  }
}
