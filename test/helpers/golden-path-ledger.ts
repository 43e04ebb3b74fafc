import { http } from './app.js';
import type { GoldenPathResult } from '../../scripts/golden-path.js';
import { percentOf } from '../../domain/finance/commission.js';

/**
 * What the ledger must hold after a golden-path walk, worked out from the orders as placed and the
 * default rules (the default commission rule migration 0211 imported: 10 % of each line, rounded half to even;
 * `finance.deliveryFeeCutBps`: the platform keeps 20 % of each delivery fee):
 * - each store's payable: its order total − commission − delivery fee;
 * - each courier's earnings: the fee − the cut; card: nothing in cash; cash: their cash in hand is −total;
 * - the platform's revenue: Σ commission + Σ cut; card: gateway clearing −Σ total (the money captured);
 * - the customer's wallet: 0 posted and 0 pending (the captured money went on to the stores).
 */
export const COMMISSION_BPS = 1_000;
export const FEE_CUT_BPS = 2_000;

export interface LedgerFigures {
  accounts: Record<string, { posted: number; pending: number }>;
  revenue: number;
  cardClearing: number;
}

type Order = GoldenPathResult['checkout']['orders'][number];

/** The figures one walk adds; `lines` are each order's line totals, as read from the order. */
export function expectedFigures(walk: GoldenPathResult, lines: Record<string, number[]>, method: 'card' | 'cash'): LedgerFigures {
  const accounts: LedgerFigures['accounts'] = {};
  let revenue = 0;
  for (const o of walk.checkout.orders as Order[]) {
    const commission = lines[o.orderId]!.reduce((s, l) => s + percentOf(l, COMMISSION_BPS), 0);
    const cut = Math.floor((o.deliveryFeeMinor * FEE_CUT_BPS) / 10_000);
    const courierId = walk.delivered.find((d) => d.orderId === o.orderId)!.courierId;
    accounts[`store_payable:${o.storeId}`] = { posted: o.totalMinor - commission - o.deliveryFeeMinor, pending: 0 };
    accounts[`courier_earnings:${courierId}`] = { posted: o.deliveryFeeMinor - cut, pending: 0 };
    if (method === 'cash') accounts[`courier_cash_in_hand:${courierId}`] = { posted: -o.totalMinor, pending: 0 };
    revenue += commission + cut;
  }
  return { accounts, revenue, cardClearing: method === 'card' ? -walk.checkout.totals.totalMinor : 0 };
}

/** Reads accounts through the admin REST route (finance:manage), the way support would. */
export async function readAccounts(url: string, adminToken: string, ids: string[]): Promise<Record<string, { posted: number; pending: number } | null>> {
  const out: Record<string, { posted: number; pending: number } | null> = {};
  for (const id of ids) {
    const res = await http(`${url}/api/v1/finance/accounts/${id}`, { token: adminToken });
    out[id] = res.status === 200 ? { posted: res.body.data.balance.posted, pending: res.body.data.balance.pending } : null;
  }
  return out;
}

export async function platformFigures(url: string, adminToken: string): Promise<{ revenue: number; cardClearing: number }> {
  const res = await http(`${url}/api/v1/admin/finance/revenue`, { token: adminToken });
  if (res.status !== 200) throw new Error(`admin revenue answered ${res.status}`);
  const items = res.body.data.items as { id: string; balance: { posted: number } }[];
  const posted = (id: string) => items.find((a) => a.id === id)?.balance.posted ?? 0;
  return { revenue: posted('platform_revenue:platform'), cardClearing: posted('gateway_clearing:card') };
}

/** Order line totals as the customer reads the order back. */
export async function lineTotals(url: string, customerToken: string, orderIds: string[]): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const id of orderIds) out[id] = ((await http(`${url}/api/v1/orders/${id}`, { token: customerToken })).body.data.lines as { lineTotalMinor: number }[]).map((l) => l.lineTotalMinor);
  return out;
}
