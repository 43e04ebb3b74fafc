import type { SettingValue } from '../platform/settings.js';
import { stackCouriers, type BatchCandidateDeps, type BatchCandidates, type BatchDelivery } from './batch-candidates.js';
import { matchOptimal, type Assignment } from './matching.js';
import { matchWithStacking, type Point } from './stacking.js';

export type BatchSettings = SettingValue<'dispatch.batch'>;

/** A region is matched in batch rounds once this many deliveries wait in it; below, one offer at a time is as good and answers sooner. */
export const isBusyRegion = (openDeliveries: number, settings: BatchSettings): boolean => openDeliveries >= settings.busyOpenDeliveries;

export interface BatchRoundPlan {
  /** One offer per (delivery, courier); a courier with several carries a stack. */
  offers: Assignment[];
  unmatched: string[];
  /** Couriers offered more than one delivery, with them. */
  stacks: Map<string, string[]>;
}

/**
 * What one batch round offers, from its candidates: the exact matching, with
 * stacking when `maxStackedOrders` > 1. The caller (the dispatch worker) sends
 * the offers through the offer use case; this decides, it sends nothing.
 */
export function planBatchRound(input: {
  deliveries: readonly BatchDelivery[];
  candidates: BatchCandidates;
  settings: BatchSettings;
  nowMs: number;
  etaS: BatchCandidateDeps['etaS'];
  distanceM: (p: Point, q: Point) => number;
}): BatchRoundPlan {
  const { deliveries, candidates, settings } = input;
  if (settings.maxStackedOrders <= 1) {
    const m = matchOptimal(deliveries.map((d) => d.deliveryId), candidates.pairs);
    return { offers: m.assignments, unmatched: m.unmatched, stacks: new Map() };
  }
  const rules = { maxOrders: settings.maxStackedOrders, sameStoreM: settings.sameStoreMeters, onTheWayS: settings.onTheWaySeconds, stopS: settings.stopSeconds };
  const m = matchWithStacking(deliveries, stackCouriers(candidates, input.etaS), candidates.pairs, rules, input.nowMs, input.distanceM);
  const stacks = new Map([...m.stacks].filter(([, ds]) => ds.length > 1));
  return { offers: m.assignments, unmatched: m.unmatched, stacks };
}
