/** Domain vocabulary of the geo engine: fixes, courier state, vehicles. */

import { COURIER_AVAILABILITY, VEHICLES, type Vehicle } from '../domain/shared/vehicles.js';

export { VEHICLES, type Vehicle };

export const COURIER_STATUSES = ['offline', ...COURIER_AVAILABILITY] as const;
export type CourierStatus = (typeof COURIER_STATUSES)[number];

/** Statuses that are kept in the per-cell index (offline couriers are not searchable). */
export type IndexedStatus = Exclude<CourierStatus, 'offline'>;

export interface LatLng {
  lat: number;
  lng: number;
}

/** One GPS reading from a courier's device. `ts` is epoch milliseconds. */
export interface Fix extends LatLng {
  courierId: string;
  ts: number;
  /** Horizontal accuracy radius in metres, as reported by the device. */
  accuracy?: number;
  /** Device-reported speed in m/s. */
  speed?: number;
  /** Heading in degrees from north. */
  heading?: number;
  /** The device says the location comes from a mock provider. */
  mock?: boolean;
}

export interface CourierState {
  status: CourierStatus;
  vehicle: Vehicle;
  /** How many deliveries the courier can carry at once. */
  capacity: number;
  /** How many it carries now. */
  load: number;
  zoneId?: string;
}

/** Stable small integers used inside Lua (packed cell entries, vehicle masks). */
export const VEHICLE_CODE: Record<Vehicle, number> = { bike: 1, motorbike: 2, car: 3, van: 4 };

/**
 * Default straight-line travel model per vehicle: road speed in m/s and the
 * road factor (road distance ÷ great-circle distance) typical of a city grid.
 */
export const VEHICLE_PROFILE: Record<Vehicle, { speedMps: number; maxPlausibleMps: number }> = {
  bike: { speedMps: 4.5, maxPlausibleMps: 15 },
  motorbike: { speedMps: 9, maxPlausibleMps: 45 },
  car: { speedMps: 8, maxPlausibleMps: 50 },
  van: { speedMps: 7, maxPlausibleMps: 45 },
};

export const isVehicle = (v: unknown): v is Vehicle => typeof v === 'string' && (VEHICLES as readonly string[]).includes(v);
export const isStatus = (v: unknown): v is CourierStatus =>
  typeof v === 'string' && (COURIER_STATUSES as readonly string[]).includes(v);
