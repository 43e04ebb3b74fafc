import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { PayoutInstruction, PayoutProvider } from '../../domain/finance/ports.js';

/**
 * The first payout provider: the batch becomes one bank-transfer CSV file
 * (`<dir>/payouts-<batchId>.csv`) that an operator uploads to the bank. Every payout in the
 * file is answered paid; the file's name is each payout's provider reference. Re-running a
 * batch rewrites the same file, never a second one.
 */
export class BankCsvPayouts implements PayoutProvider {
  readonly name = 'bank_csv';
  constructor(private readonly dir: string) {}

  async pay(batchId: string, instructions: readonly PayoutInstruction[]) {
    await mkdir(this.dir, { recursive: true });
    const file = `payouts-${batchId.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;
    const csv = stringify(instructions.map((i) => [i.payoutId, i.holderName, i.iban, i.bic ?? '', (i.amountMinor / 100).toFixed(2), i.amountMinor, i.currency, i.reference]), {
      header: true, columns: ['payout_id', 'beneficiary', 'iban', 'bic', 'amount', 'amount_minor', 'currency', 'reference'],
    });
    await writeFile(path.join(this.dir, file), csv);
    return instructions.map((i) => ({ payoutId: i.payoutId, ok: true, providerRef: file }));
  }
}
