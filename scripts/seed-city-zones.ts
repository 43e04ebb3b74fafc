/**
 * The demo city's delivery zones, a step of the city seed: every store gets a
 * zone round its pickup point through ManageStoreZone (the use case the API
 * calls), two in three a circle of 2.5–6 km, the others a 12-sided polygon of
 * about the same reach. The reach stays inside the default fee bands (10 km),
 * so every store whose zone holds a point also has a fee for it. Idempotent:
 * the same seed draws the same zone, and setting a store's own zone again is a no-op.
 */
import { destinationPoint } from '../geo/distance.js';
import type { Principal } from '../domain/shared/principal.js';
import type { ZoneShape } from '../domain/catalog/store-zone.js';
import type { CitySeedStep } from './seed-city-kit.js';

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function cityZoneOf(at: { lat: number; lng: number }, r: () => number, i: number): ZoneShape {
  const reach = 2_500 + Math.floor(r() * 3_500);
  if (i % 3 !== 2) return { kind: 'radius', center: { lat: at.lat, lng: at.lng }, radiusM: reach };
  const ring = Array.from({ length: 12 }, (_, k) => destinationPoint(at.lat, at.lng, reach * (0.7 + 0.3 * r()), k * 30)).map((p) => [round6(p.lng), round6(p.lat)]);
  ring.push(ring[0]!);
  return { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [ring] } };
}

export const storeZones: CitySeedStep = {
  name: 'store zones',
  total: (ctx) => ctx.stores.length,
  async run(ctx) {
    let changed = 0;
    for (const [i, store] of ctx.stores.entries()) {
      const owner: Principal = { accountId: store.ownerId, role: 'store_owner', permissions: [], sessionId: 'seed-city', tokenId: 'seed-city', expiresAt: 0 };
      const before = await ctx.c.storeZones.find(store.id);
      const zone = await ctx.c.manageStoreZone.set(owner, store.id, cityZoneOf(store.location, ctx.rand, i));
      if (zone.version !== before?.version) changed++;
      ctx.progress.tick();
    }
    return `${ctx.stores.length} store zones (${changed} set or changed)`;
  },
};
