import { validationError } from './errors.js';

/** A WGS84 point. The one rule: finite, lat in [-90, 90], lng in [-180, 180]. */
export interface Coordinate {
  readonly lat: number;
  readonly lng: number;
}

export function coordinate(lat: number, lng: number, field = 'coordinate'): Coordinate {
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180) {
    throw validationError(`${field} is out of range`, { field, lat, lng });
  }
  return Object.freeze({ lat, lng });
}
