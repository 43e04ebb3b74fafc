import { AppError, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import { auditEntryEvent } from '../../platform/events.js';
import { cashInHandOf } from '../cash.js';
import { assertAmount, assertTransferId, type Transfer } from '../model.js';
import type { LedgerRepository } from '../ports.js';
import type { CreateTransfers } from './create-transfers.js';
import { accountIdFor, type OpenAccount } from './open-account.js';

export const REMITTANCE_METHODS = ['office', 'bank_deposit'] as const;
export type RemittanceMethod = (typeof REMITTANCE_METHODS)[number];

export interface RemittanceInput {
  /** Chosen by the admin's client: a retry with the same id and fields records nothing more. */
  remittanceId: string;
  courierId: string;
  amountMinor: number;
  /** Cash handed to an office, or a bank deposit the admin confirmed. */
  method: RemittanceMethod;
  note?: string | null;
}

export interface RemittanceView {
  remittanceId: string;
  courierId: string;
  amountMinor: number;
  currency: string;
  recordedAt: string;
  /** False when this id was recorded before (a retry). */
  created: boolean;
  /** What the courier still holds after it. */
  cashInHandMinor: number;
}

export const remittanceTransferId = (remittanceId: string): string => `remittance:${remittanceId}`;
export const courierReference = (courierId: string): string => `courier:${courierId}`;

/**
 * An admin confirms cash a courier handed over: one posted transfer
 * `gateway_clearing:cash` ← `courier_cash_in_hand:<courier>` (code `cash_remitted`), and its audit
 * entry, in one transaction. The cash account's "credits must not exceed debits" flag refuses
 * remitting more than the courier holds; that is answered as REMITTANCE_EXCEEDS_CASH_IN_HAND.
 */
export class RecordRemittance {
  constructor(private readonly deps: { transfers: CreateTransfers; openAccount: OpenAccount; ledger: LedgerRepository; outbox: Outbox; unitOfWork: UnitOfWork; clock: Clock }) {}

  async execute(admin: Principal, input: RemittanceInput, origin: { ip?: string | null; userAgent?: string | null; requestId?: string | null } = {}): Promise<RemittanceView> {
    assertTransferId(input.remittanceId, 'remittanceId');
    assertTransferId(input.courierId, 'courierId');
    assertAmount(input.amountMinor);
    const cash = await this.deps.openAccount.execute({ ownerKind: 'courier_cash_in_hand', ownerId: input.courierId });
    const office = await this.deps.openAccount.execute({ ownerKind: 'gateway_clearing', ownerId: 'cash' });
    const now = this.deps.clock.now();
    const id = remittanceTransferId(input.remittanceId);
    const result = await this.deps.unitOfWork.transaction(async () => {
      const [r] = await this.deps.transfers.execute([{ id, debitAccountId: office.id, creditAccountId: cash.id, amountMinor: input.amountMinor, currency: cash.currency, code: 'cash_remitted', reference: courierReference(input.courierId) }]);
      if (r!.created) {
        await this.deps.outbox.add([auditEntryEvent({
          id, actor: { id: admin.accountId, role: admin.role }, action: 'finance.cash_remitted', resource: { type: 'courier', id: input.courierId }, origin,
          metadata: { amountMinor: input.amountMinor, method: input.method, note: input.note ?? null },
        }, now)]);
      }
      return r!;
    }).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'LEDGER_EXCEEDS_DEBITS') {
        throw new AppError('REMITTANCE_EXCEEDS_CASH_IN_HAND', 'the courier holds less cash than this remittance', { details: [{ field: 'amountMinor', message: 'exceeds the cash in hand' }] });
      }
      throw err;
    });
    return this.view(input.courierId, result.transfer, result.created);
  }

  /** The courier's remittances, oldest first, and what they hold now. */
  async listFor(p: Principal, courierId: string): Promise<{ cashInHandMinor: number; remittances: Omit<RemittanceView, 'created' | 'cashInHandMinor'>[] }> {
    assertTransferId(courierId, 'courierId');
    if (!(p.role === 'courier' && p.accountId === courierId) && !hasPermission(p, 'finance:manage')) throw notFound('Courier');
    const transfers = (await this.deps.ledger.transfersByReference(courierReference(courierId))).filter((t) => t.code === 'cash_remitted');
    return {
      cashInHandMinor: cashInHandOf(await this.deps.ledger.findAccount(accountIdFor('courier_cash_in_hand', courierId))),
      remittances: transfers.map((t) => ({ remittanceId: t.id.slice('remittance:'.length), courierId, amountMinor: t.amountMinor, currency: t.currency, recordedAt: t.createdAt })),
    };
  }

  private async view(courierId: string, t: Transfer, created: boolean): Promise<RemittanceView> {
    const held = cashInHandOf(await this.deps.ledger.findAccount(t.creditAccountId));
    return { remittanceId: t.id.slice('remittance:'.length), courierId, amountMinor: t.amountMinor, currency: t.currency, recordedAt: t.createdAt, created, cashInHandMinor: held };
  }
}
