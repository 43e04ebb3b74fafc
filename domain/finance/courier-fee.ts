/**
 * What the courier earns of an order's delivery fee: the fee less the
 * platform's cut (`finance.deliveryFeeCutBps`, rounded down for the platform),
 * in integer minor units. Settlement pays this and dispatch offers it.
 */
export const courierFeeMinor = (deliveryFeeMinor: number, cutBps: number): number => deliveryFeeMinor - deliveryFeeCutMinor(deliveryFeeMinor, cutBps);

/** The platform's cut of a delivery fee, rounded down. */
export const deliveryFeeCutMinor = (deliveryFeeMinor: number, cutBps: number): number => Math.floor((deliveryFeeMinor * cutBps) / 10_000);
