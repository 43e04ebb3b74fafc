/** Courier vehicle types: one list for identity profiles, the geo index, the socket protocol and the REST API. */
export const VEHICLES = ['bike', 'motorbike', 'car', 'van'] as const;
export type Vehicle = (typeof VEHICLES)[number];
