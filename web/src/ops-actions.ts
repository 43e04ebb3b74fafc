import { api } from './api';
import type { Delivery } from './ops-model';

export type BulkAction = 'assign' | 'unassign';

export interface ActionOutcome {
  action: BulkAction;
  done: number;
  failed: { deliveryId: string; orderId: string; code: string; message: string }[];
}

/** Reasons go to the audit log (and onto an unassigned delivery): at least this long, as the server asks. */
export const MIN_REASON = 3;

interface BulkResult { deliveryId: string; ok: boolean; error?: { code: string; message: string } }

/**
 * Assign (a delivery nobody holds), reassign (another courier before pickup) or unassign the selected
 * deliveries in one dispatch bulk command with the dispatcher's reason. Each carries the version the
 * board showed, so a delivery that changed meanwhile (picked up, taken by an offer) is refused rather
 * than overridden; one refusal leaves the others done and is reported by name.
 */
export async function runBulk(action: BulkAction, deliveries: Delivery[], courierId: string, reason: string): Promise<ActionOutcome> {
  const items = deliveries.map((d) => ({
    deliveryId: d.id,
    action: action === 'unassign' ? 'unassign' : d.courierId ? 'reassign' : 'assign',
    ...(action === 'assign' ? { courierId: courierId.trim() } : {}),
    expectedVersion: d.version,
  }));
  let results: BulkResult[];
  try {
    results = (await api<{ results: BulkResult[] }>('POST', '/dispatch/deliveries/bulk', { reason: reason.trim(), items })).results;
  } catch (err) {
    // The whole command refused (validation, rights): every delivery is reported with that error.
    const e = err as Error & { code?: string };
    results = deliveries.map((d) => ({ deliveryId: d.id, ok: false, error: { code: e.code ?? 'ERROR', message: e.message } }));
  }
  const orderOf = new Map(deliveries.map((d) => [d.id, d.orderId]));
  const failed = results.flatMap((r) => (r.ok ? [] : [{ deliveryId: r.deliveryId, orderId: orderOf.get(r.deliveryId) ?? r.deliveryId, code: r.error?.code ?? 'ERROR', message: r.error?.message ?? '' }]));
  return { action, done: results.length - failed.length, failed };
}
