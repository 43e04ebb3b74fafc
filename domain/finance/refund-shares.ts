/**
 * How a refund of part of a delivered order is split over what its settlement posted
 * (docs/finance.md, "Refunds"). Integer minor units throughout.
 *
 * - The refunded amount covers the goods (items and VAT: total − delivery fee) first, and the
 *   delivery fee only once the goods are refunded in full: refunding a missing item does not take
 *   the courier's fee back.
 * - Each posting is reversed in proportion to the refunded part it belongs to, worked out on the
 *   **cumulative** amount refunded so far and rounded then: a refund reverses
 *   `share(after) − share(before)`. So the rounding error never exceeds one minor unit per
 *   posting at any time, no refund reverses a negative amount, and the refunds that together return
 *   the whole order reverse every posting exactly, whatever amounts they came in.
 * - A commission line's share rounds down (the store carries the sub-unit until the last refund);
 *   of the delivery fee, the courier's share rounds down and the platform's cut takes the rest,
 *   so the two always add up to the fee refunded.
 */
export interface OrderPostings {
  /** What the customer paid and the settlement posted into the store's payable (settle or cash). */
  totalMinor: number;
  /** The posted commission transfers, one per commission line with commission > 0. */
  commission: readonly { id: string; amountMinor: number }[];
  /** The posted courier fee (fee − cut) and the platform's cut; 0 when not posted. */
  courierFeeMinor: number;
  feeCutMinor: number;
}

export interface RefundShares {
  /** Out of the store's payable to the customer: the refund's amount. */
  toCustomerMinor: number;
  /** Back from the platform's revenue to the store, per commission transfer (zeros left out). */
  commission: { id: string; amountMinor: number }[];
  /** Back from the courier's earnings to the store. */
  courierFeeMinor: number;
  /** Back from the platform's revenue to the store. */
  feeCutMinor: number;
}

const floorShare = (part: number, refunded: number, whole: number): number =>
  whole === 0 ? 0 : Number((BigInt(part) * BigInt(refunded)) / BigInt(whole));

/** What a cumulative refund of `refundedMinor` has reversed in all. */
function cumulative(p: OrderPostings, refundedMinor: number) {
  const fee = p.courierFeeMinor + p.feeCutMinor;
  const goods = p.totalMinor - fee;
  const goodsRefunded = Math.min(refundedMinor, goods);
  const feeRefunded = Math.max(0, refundedMinor - goods);
  const courier = floorShare(p.courierFeeMinor, feeRefunded, fee);
  return {
    commission: p.commission.map((c) => floorShare(c.amountMinor, goodsRefunded, goods)),
    courierFeeMinor: courier,
    feeCutMinor: feeRefunded - courier,
  };
}

/**
 * The shares of one refund of `amountMinor`, after `beforeMinor` was refunded by the order's
 * earlier refunds. Throws when the refunds would pass the order's total (the payment never allows it).
 */
export function refundShares(p: OrderPostings, beforeMinor: number, amountMinor: number): RefundShares {
  if (!Number.isSafeInteger(beforeMinor) || beforeMinor < 0 || !Number.isSafeInteger(amountMinor) || amountMinor <= 0 || beforeMinor + amountMinor > p.totalMinor) {
    throw new RangeError(`a refund of ${amountMinor} after ${beforeMinor} does not fit an order of ${p.totalMinor}`);
  }
  const before = cumulative(p, beforeMinor);
  const after = cumulative(p, beforeMinor + amountMinor);
  return {
    toCustomerMinor: amountMinor,
    commission: p.commission.map((c, i) => ({ id: c.id, amountMinor: after.commission[i]! - before.commission[i]! })).filter((c) => c.amountMinor > 0),
    courierFeeMinor: after.courierFeeMinor - before.courierFeeMinor,
    feeCutMinor: after.feeCutMinor - before.feeCutMinor,
  };
}
