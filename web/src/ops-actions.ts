import { api, ApiError } from './api';
import type { Delivery } from './ops-model';

export type BulkAction = 'assign' | 'unassign';

export interface ActionOutcome {
  action: BulkAction;
  done: number;
  failed: { deliveryId: string; orderId: string; code: string; message: string }[];
}

/** Reasons are kept in the delivery's history: at least this long, as the server asks. */
export const MIN_REASON = 3;

/**
 * Assign (or reassign: another courier before pickup) or unassign each selected delivery, with the
 * dispatcher's reason, one request per delivery so that one refusal (a delivery picked up meanwhile,
 * an ineligible courier) leaves the others done and is reported by name.
 */
export async function runBulk(action: BulkAction, deliveries: Delivery[], courierId: string, reason: string): Promise<ActionOutcome> {
  const results = await Promise.allSettled(
    deliveries.map((d) =>
      action === 'assign'
        ? api('POST', `/deliveries/${d.id}/assign`, { courierId: courierId.trim() })
        : api('POST', `/deliveries/${d.id}/status`, { status: 'pending', reason: reason.trim() }),
    ),
  );
  const failed = results.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const d = deliveries[i]!;
    const err = r.reason as Error;
    return [{ deliveryId: d.id, orderId: d.orderId, code: err instanceof ApiError ? err.code : 'ERROR', message: err.message }];
  });
  return { action, done: results.length - failed.length, failed };
}
