import PDFDocument from 'pdfkit';
import { stringify } from 'csv-stringify/sync';
import type { PayoutHistory, PeriodStatement } from '../domain/finance/use-cases/statements.js';

/**
 * Statements and payout histories as files: CSV (one row per ledger entry or payout, amounts in
 * minor units as the ledger keeps them) and PDF (a header, the totals, then the same rows).
 * The PDF uses the standard Helvetica font: ids, codes, dates and numbers are Latin.
 */
export const STATEMENT_CSV_COLUMNS = ['at', 'transfer_id', 'kind', 'code', 'reference', 'side', 'amount_minor', 'posted_change_minor', 'posted_after_minor', 'available_after_minor'] as const;
export const PAYOUT_CSV_COLUMNS = ['payout_id', 'requested_at', 'updated_at', 'status', 'amount_minor', 'currency', 'batch_id', 'provider_ref', 'reason'] as const;

export function statementCsv(s: PeriodStatement): Buffer {
  return Buffer.from(stringify(s.entries.map((e) => [e.at, e.transferId, e.kind, e.code, e.reference, e.side, e.amountMinor, e.postedChangeMinor, e.balanceAfter.posted, e.balanceAfter.available]), {
    header: true, columns: [...STATEMENT_CSV_COLUMNS],
  }));
}

export function payoutHistoryCsv(h: PayoutHistory): Buffer {
  return Buffer.from(stringify(h.payouts.map((p) => [p.id, p.createdAt, p.updatedAt, p.status, p.amountMinor, p.currency, p.batchId ?? '', p.providerRef ?? '', p.reason ?? '']), {
    header: true, columns: [...PAYOUT_CSV_COLUMNS],
  }));
}

/** `compress: false` keeps the page text readable in the file (tests and archives search it). */
function pdf(title: string, write: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, compress: false, info: { Title: title, Producer: 'Daraa' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((ok, fail) => {
    doc.on('end', () => ok(Buffer.concat(chunks)));
    doc.on('error', fail);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(title.split(' ')[0]!);
  doc.font('Helvetica').fontSize(9).text(title.split(' ').slice(1).join(' '));
  write(doc);
  doc.end();
  return done;
}

/** A table: columns of fixed widths (points), each cell wrapping inside its column, a new page when the bottom is near. */
function table(doc: PDFKit.PDFDocument, widths: number[], header: string[], rows: (string | number)[][]): void {
  const left = doc.page.margins.left;
  const draw = (cells: (string | number)[], bold: boolean) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(7);
    const texts = cells.map(String);
    const height = Math.max(...texts.map((t, i) => doc.heightOfString(t, { width: widths[i]! - 4 })));
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y;
    let x = left;
    texts.forEach((t, i) => {
      doc.text(t, x, y, { width: widths[i]! - 4 });
      x += widths[i]!;
    });
    doc.x = left;
    doc.y = y + height + 2;
  };
  draw(header, true);
  for (const r of rows) draw(r, false);
}

export function statementPdf(s: PeriodStatement): Promise<Buffer> {
  return pdf(`Statement Account: ${s.accountId}`, (doc) => {
    doc.text(`Period: ${s.from} to ${s.to}`).text(`Currency: ${s.currency} (amounts in minor units)`).moveDown();
    doc.font('Helvetica-Bold').text(`Opening posted balance: ${s.opening.posted}`);
    doc.text(`Credits: ${s.totals.creditsMinor}`).text(`Debits: ${s.totals.debitsMinor}`).text(`Entries: ${s.totals.entries}`);
    doc.text(`Closing posted balance: ${s.closing.posted}`).text(`Closing available balance: ${s.closing.available}`).font('Helvetica').moveDown();
    table(doc, [95, 170, 80, 35, 65, 70], ['at', 'transfer', 'code', 'side', 'amount', 'posted after'], s.entries.map((e) => [e.at, e.transferId, e.code, e.side, e.amountMinor, e.balanceAfter.posted]));
  });
}

export function payoutHistoryPdf(h: PayoutHistory): Promise<Buffer> {
  return pdf(`Payouts ${h.ownerKind === 'store' ? 'Store' : 'Courier'}: ${h.ownerId}`, (doc) => {
    doc.text(`Period: ${h.from} to ${h.to}`).text('Amounts in minor units').moveDown();
    doc.font('Helvetica-Bold').text(`Paid: ${h.totals.paidMinor}`).text(`Open: ${h.totals.openMinor}`).text(`Payouts: ${h.totals.count}`).font('Helvetica').moveDown();
    table(doc, [110, 95, 55, 65, 45, 145], ['payout', 'requested', 'status', 'amount', 'currency', 'reference'], h.payouts.map((p) => [p.id, p.createdAt, p.status, p.amountMinor, p.currency, p.providerRef ?? '']));
  });
}
