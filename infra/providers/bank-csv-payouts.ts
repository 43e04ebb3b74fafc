import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { PayoutAnswer, PayoutInstruction, PayoutProvider } from '../../domain/finance/ports.js';
import { AppError } from '../../domain/shared/errors.js';

/**
 * The first payout provider: the batch becomes one bank-transfer CSV file
 * (`<dir>/payouts-<batchId>.csv`) that an operator uploads to the bank. Every payout in the
 * file is answered paid; the file's name is each payout's provider reference.
 * A batch's file is written once: it appears whole (written aside, then hard-linked in place,
 * which fails if the name exists) and a resumed batch reads it back instead of writing another,
 * so a crash between the file and the database never lists a payout in two files.
 */
export class BankCsvPayouts implements PayoutProvider {
  readonly name = 'bank_csv';
  constructor(private readonly dir: string) {}

  async pay(batchId: string, instructions: readonly PayoutInstruction[]): Promise<PayoutAnswer[]> {
    await mkdir(this.dir, { recursive: true });
    const file = `payouts-${batchId.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;
    const target = path.join(this.dir, file);
    const csv = stringify(instructions.map((i) => [i.payoutId, i.holderName, i.iban, i.bic ?? '', (i.amountMinor / 100).toFixed(2), i.amountMinor, i.currency, i.reference]), {
      header: true, columns: ['payout_id', 'beneficiary', 'iban', 'bic', 'amount', 'amount_minor', 'currency', 'reference'],
    });
    const aside = path.join(this.dir, `.${file}.${randomUUID()}`);
    await writeFile(aside, csv);
    try {
      await link(aside, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return this.alreadyWritten(target, file, instructions);
    } finally {
      await unlink(aside).catch(() => undefined);
    }
    return instructions.map((i) => ({ payoutId: i.payoutId, outcome: 'paid' as const, providerRef: file }));
  }

  /** A CSV payout is paid once it is in a file; nothing is ever left in transit. */
  async status(payoutId: string, providerRef: string): Promise<PayoutAnswer> {
    return { payoutId, outcome: 'paid', providerRef };
  }

  /** A bank file has no callbacks: every notice is refused. */
  readWebhook(): PayoutAnswer | null {
    throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'the bank CSV payout provider sends no webhooks', { details: [{ field: 'headers.stripe-signature', reason: 'no_webhooks', message: 'PAYOUT_PROVIDER is bank_csv' }] });
  }

  private async alreadyWritten(target: string, file: string, instructions: readonly PayoutInstruction[]): Promise<PayoutAnswer[]> {
    // Payout ids are letters, digits and _.:- (never quoted): the first field of each row after the header.
    const listed = new Set((await readFile(target, 'utf8')).split('\n').slice(1).map((line) => line.split(',')[0]));
    return instructions.map((i) => (listed.has(i.payoutId)
      ? { payoutId: i.payoutId, outcome: 'paid' as const, providerRef: file }
      : { payoutId: i.payoutId, outcome: 'failed' as const, providerRef: null, error: `batch file ${file} was already written without this payout` }));
  }
}
