import type { Account, Transfer } from './model.js';
import type { LedgerRepository } from './ports.js';

/**
 * Cash on delivery, as the ledger holds it. A courier's `courier_cash_in_hand` account is
 * debited by every `cash_collected` transfer and credited by every confirmed remittance, so
 * what they hold is debits − credits (posted). Remittances clear the oldest cash first: the cash
 * still in a courier's pocket is the newest `cash_collected` transfers, up to what they hold.
 */
export const cashInHandOf = (a: Account | null): number => (a ? a.debitsPosted - a.creditsPosted : 0);

const PAGE = 500;

/** Every transfer of an account, oldest first. */
async function* statementOf(ledger: LedgerRepository, accountId: string): AsyncGenerator<Transfer> {
  for (let offset = 0; ; offset += PAGE) {
    const { transfers } = await ledger.statement(accountId, offset, PAGE);
    yield* transfers;
    if (transfers.length < PAGE) return;
  }
}

/**
 * The cash of a store's cash orders that couriers still hold: the part of the store's payable
 * not yet backed by money the platform has. A store may not be paid out of it (docs/finance.md,
 * "Cash on delivery and remittances"). For each courier who collected cash for the store, their
 * unremitted cash is laid over their newest collections first, and the store's share of it counted.
 */
export async function unremittedCashOfStore(ledger: LedgerRepository, storeAccountId: string): Promise<number> {
  const byCourier = new Map<string, Set<string>>();
  for await (const t of statementOf(ledger, storeAccountId)) {
    if (t.code !== 'cash_collected' || t.creditAccountId !== storeAccountId) continue;
    const set = byCourier.get(t.debitAccountId) ?? new Set<string>();
    set.add(t.id);
    byCourier.set(t.debitAccountId, set);
  }
  let total = 0;
  for (const [cashAccountId, ours] of byCourier) {
    let left = cashInHandOf(await ledger.findAccount(cashAccountId));
    if (left <= 0) continue;
    const { total: count } = await ledger.statement(cashAccountId, 0, 1);
    // Newest first, page by page from the end, until the cash held is laid out.
    for (let end = count; end > 0 && left > 0; end -= PAGE) {
      const start = Math.max(0, end - PAGE);
      const { transfers } = await ledger.statement(cashAccountId, start, end - start);
      for (const t of [...transfers].reverse()) {
        if (left <= 0) break;
        if (t.code !== 'cash_collected' || t.debitAccountId !== cashAccountId) continue;
        const part = Math.min(t.amountMinor, left);
        if (ours.has(t.id)) total += part;
        left -= part;
      }
    }
  }
  return total;
}
