/** Courier vehicle types: one list for identity profiles, the geo index, the socket protocol and the REST API. */
export const VEHICLES = ['bike', 'motorbike', 'car', 'van'] as const;
export type Vehicle = (typeof VEHICLES)[number];

/** An online courier is available, or busy once it carries as many deliveries as its capacity. */
export const COURIER_AVAILABILITY = ['available', 'busy'] as const;
export type CourierAvailability = (typeof COURIER_AVAILABILITY)[number];
