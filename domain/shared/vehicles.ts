/** Courier vehicle types: one list for identity profiles and the geo index (which re-declares it, being a library). */
export const VEHICLES = ['bike', 'motorbike', 'car', 'van'] as const;
export type Vehicle = (typeof VEHICLES)[number];
