import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';

/**
 * A store's delivery zone: a GeoJSON polygon or a circle round a centre.
 * Its geometry rules (self-intersection, size, antimeridian, poles) are the
 * geo engine's (`ZoneRules`, geo/zones.ts); this model keeps who, what and
 * which revision.
 */
export type ZoneShape =
  | { kind: 'polygon'; polygon: { type: 'Polygon'; coordinates: number[][][] } }
  | { kind: 'radius'; center: { lat: number; lng: number }; radiusM: number };

export interface StoreZone {
  storeId: string;
  /** Null once removed (a tombstone). */
  shape: ZoneShape | null;
  /**
   * Revision of the store's zone. It keeps counting across removals (a removed
   * zone is stored as a tombstone), so a process comparing revisions never
   * mistakes a zone set again for the one it already holds.
   */
  version: number;
  updatedAt: string;
}

/** Two shapes are the same zone when their JSON is the same (the rules normalise key order). */
export const sameShape = (a: ZoneShape | null, b: ZoneShape | null): boolean => JSON.stringify(a) === JSON.stringify(b);

const id = z.string().min(1).max(128);
const shapeSchema = z.union([
  z.strictObject({ kind: z.literal('polygon'), polygon: z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()))) }) }),
  z.strictObject({ kind: z.literal('radius'), center: z.strictObject({ lat: z.number(), lng: z.number() }), radiusM: z.number() }),
]);

export const storeZoneChanged = defineEvent({
  type: 'catalog.store.zone_changed',
  version: 1,
  aggregateType: 'store_zone',
  description: "A store's delivery zone was set, replaced or removed (`zone: null`); every API process refreshes its zone index on it.",
  payload: z.strictObject({ storeId: id, zone: shapeSchema.nullable(), version: z.number().int().min(1), at: z.iso.datetime() }),
});

export function storeZoneChangedEvent(storeId: string, zone: ZoneShape | null, version: number, at: Date): NewEvent {
  return { type: storeZoneChanged.type, aggregateId: storeId, aggregateVersion: version, occurredAt: at.toISOString(), payload: { storeId, zone, version, at: at.toISOString() } };
}
