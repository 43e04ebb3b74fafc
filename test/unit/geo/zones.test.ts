import { expect } from 'chai';
import fc from 'fast-check';
import { booleanPointInPolygon, polygon as turfPolygon } from '@turf/turf';
import { cellToBoundary, cellToLatLng, getPentagons, latLngToCell } from 'h3-js';
import { destinationPoint, haversineM } from '../../../geo/distance.js';
import { GeoError } from '../../../geo/errors.js';
import { MAX_ZONE_RADIUS_M, prepareZone, type ZoneShape } from '../../../geo/zones.js';
import { zoneCells } from '../../../geo/zone-cells.js';
import { ZoneIndex } from '../../../geo/zone-index.js';

const square = (lng: number, lat: number, d: number): ZoneShape => ({
  kind: 'polygon',
  polygon: { type: 'Polygon', coordinates: [[[lng - d, lat - d], [lng + d, lat - d], [lng + d, lat + d], [lng - d, lat + d], [lng - d, lat - d]]] },
});
const reasonOf = (fn: () => unknown): { reason: string; code: string; status: number } => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(GeoError);
    const e = err as GeoError;
    return { reason: e.reason, code: e.code, status: e.status };
  }
  throw new Error('expected the zone to be refused');
};

/** A star-shaped ring round a centre: simple by construction (bearings in order). */
function star(c: { lat: number; lng: number }, radii: number[]): ZoneShape {
  const ring = radii.map((r, i) => destinationPoint(c.lat, c.lng, r, (360 * i) / radii.length)).map((p) => [p.lng, p.lat]);
  ring.push(ring[0]!);
  return { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [ring] } };
}

describe('geo zones: validation', () => {
  it('when a polygon crosses itself (a bow tie), then it is refused with ZONE_SELF_INTERSECTS (422)', () => {
    const bowtie: ZoneShape = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[36.2, 33.5], [36.3, 33.6], [36.3, 33.5], [36.2, 33.6], [36.2, 33.5]]] } };
    expect(reasonOf(() => prepareZone(bowtie))).to.deep.equal({ reason: 'ZONE_SELF_INTERSECTS', code: 'UNPROCESSABLE_ENTITY', status: 422 });
  });

  it('when a polygon covers more than 5,000 km² or half the planet, or a radius exceeds its cap, then ZONE_TOO_LARGE', () => {
    expect(reasonOf(() => prepareZone(square(36.3, 33.5, 0.5))).reason).to.equal('ZONE_TOO_LARGE'); // ≈ 10,300 km²
    const halfPlanet: ZoneShape = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[-80, -40], [0, -40], [80, -40], [80, 40], [0, 40], [-80, 40], [-80, -40]]] } };
    expect(reasonOf(() => prepareZone(halfPlanet)).reason).to.equal('ZONE_TOO_LARGE');
    // A thin sliver (tiny area) that still reaches 185° of longitude.
    const sliver: ZoneShape = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[-100, 0], [0, 0.001], [85, 0], [85, 0.002], [0, 0.003], [-100, 0.002], [-100, 0]]] } };
    expect(reasonOf(() => prepareZone(sliver)).reason).to.equal('ZONE_TOO_LARGE');
    expect(reasonOf(() => prepareZone({ kind: 'radius', center: { lat: 33.5, lng: 36.3 }, radiusM: MAX_ZONE_RADIUS_M + 1 })).reason).to.equal('ZONE_TOO_LARGE');
    expect(prepareZone(square(36.3, 33.5, 0.3)).areaM2 / 1e6).to.be.within(3_000, 4_000);
  });

  it('when a ring is open, too short, out of range, or winds round a pole, then ZONE_INVALID naming the field', () => {
    const open: ZoneShape = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[36.2, 33.5], [36.3, 33.5], [36.3, 33.6], [36.2, 33.6]]] } };
    const short: ZoneShape = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[36.2, 33.5], [36.3, 33.5], [36.2, 33.5]]] } };
    const range: ZoneShape = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[36.2, 95], [36.3, 33.5], [36.3, 33.6], [36.2, 95]]] } };
    const pole: ZoneShape = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[0, 89.9], [90, 89.9], [180, 89.9], [-90, 89.9], [0, 89.9]]] } };
    for (const z of [open, short, range, pole]) expect(reasonOf(() => prepareZone(z))).to.deep.include({ reason: 'ZONE_INVALID', status: 422 });
    expect(reasonOf(() => prepareZone({ kind: 'radius', center: { lat: 33.5, lng: 36.3 }, radiusM: 0 })).reason).to.equal('ZONE_INVALID');
    expect(reasonOf(() => prepareZone({ kind: 'radius', center: { lat: 91, lng: 0 }, radiusM: 100 })).reason).to.equal('ZONE_INVALID');
  });

  it('when a polygon crosses the antimeridian, then it is the narrow strip across it, not the long way round', () => {
    const z = prepareZone({ kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[179.75, -17], [-179.75, -17], [-179.75, -16.5], [179.75, -16.5], [179.75, -17]]] } });
    expect(z.areaM2 / 1e6).to.be.within(2_500, 3_500);
    expect(z.contains(-16.75, 179.9)).to.equal(true);
    expect(z.contains(-16.75, -179.9)).to.equal(true);
    expect(z.contains(-16.75, 0)).to.equal(false);
    expect(z.contains(-16.75, 179.5)).to.equal(false);
  });

  it('when a radius zone holds the north pole, then every longitude near the pole is inside', () => {
    const z = prepareZone({ kind: 'radius', center: { lat: 89.95, lng: 10 }, radiusM: 20_000 });
    for (const lng of [-180, -90, 0, 45, 179.99]) expect(z.contains(89.99, lng), `lng ${lng}`).to.equal(true);
    expect(z.contains(89.5, 10)).to.equal(false);
  });
});

const [pentLat, pentLng] = cellToLatLng(getPentagons(8)[3]!);
/** Damascus, Reykjavik, the antimeridian at the equator, beside a pentagon, Sydney. */
const polygonCentres = [{ lat: 33.51, lng: 36.28 }, { lat: 64.1, lng: -21.9 }, { lat: 0.01, lng: 179.99 }, { lat: pentLat, lng: pentLng }, { lat: -33.9, lng: 151.2 }];
/** The same, plus the poles (radius zones only: a polygon may not wind round a pole). */
const radiusCentres = [...polygonCentres, { lat: 89.97, lng: 45 }, { lat: -89.9, lng: -120 }];

/** True when the point lies within 1e-9° (about 0.1 mm) of an edge of any ring. */
function nearEdge(q: { lat: number; lng: number }, rings: number[][][]): boolean {
  const EPS = 1e-9;
  for (const ring of rings) {
    for (let k = 0; k + 1 < ring.length; k++) {
      const [ax, ay] = ring[k] as [number, number];
      const [bx, by] = ring[k + 1] as [number, number];
      const dx = bx - ax;
      const dy = by - ay;
      const t = Math.max(0, Math.min(1, ((q.lng - ax) * dx + (q.lat - ay) * dy) / (dx * dx + dy * dy || 1)));
      if (Math.hypot(q.lng - (ax + t * dx), q.lat - (ay + t * dy)) < EPS) return true;
    }
  }
  return false;
}

const zoneArb = fc.oneof(
  fc.record({ c: fc.constantFrom(...radiusCentres), r: fc.integer({ min: 300, max: 8_000 }), dx: fc.integer({ min: -3_000, max: 3_000 }), b: fc.integer({ min: 0, max: 359 }) }).map(({ c, r, dx, b }) => {
    const at = destinationPoint(c.lat, c.lng, Math.abs(dx), b);
    return { kind: 'radius', center: { lat: at.lat, lng: at.lng }, radiusM: r } as ZoneShape;
  }),
  fc.record({ c: fc.constantFrom(...polygonCentres), radii: fc.array(fc.integer({ min: 400, max: 6_000 }), { minLength: 3, maxLength: 24 }) }).map(({ c, radii }) => star(c, radii)),
);

describe('geo zones: the H3 index agrees with a brute-force scan of the exact test', function () {
  this.timeout(120_000);

  it('when random zones (poles, antimeridian, pentagons) are indexed, then a lookup at any nearby point returns exactly the zones whose exact test accepts it', () => {
    fc.assert(
      fc.property(fc.array(zoneArb, { minLength: 1, maxLength: 5 }), fc.array(fc.record({ i: fc.nat(), d: fc.integer({ min: 0, max: 12_000 }), b: fc.double({ min: 0, max: 360, noNaN: true }) }), { minLength: 20, maxLength: 60 }), (shapes, probes) => {
        const zones = shapes.map((s) => prepareZone(s));
        const index = new ZoneIndex();
        zones.forEach((z, i) => index.set(`z${i}`, z));
        for (const p of probes) {
          const z = shapes[p.i % shapes.length]!;
          const c = z.kind === 'radius' ? z.center : { lat: z.polygon.coordinates[0]![0]![1]!, lng: z.polygon.coordinates[0]![0]![0]! };
          const q = destinationPoint(c.lat, c.lng, p.d, p.b);
          const brute = zones.flatMap((zone, i) => (zone.contains(q.lat, q.lng) ? [`z${i}`] : [])).sort();
          expect(index.lookup(q.lat, q.lng).sort(), JSON.stringify(q)).to.deep.equal(brute);
          expect(index.any(q.lat, q.lng)).to.equal(brute.length > 0);
          // The exact test agrees with turf (on polygons that turf reads the same way: not across the antimeridian).
          shapes.forEach((sh, i) => {
            if (sh.kind !== 'polygon') return;
            const lngs = sh.polygon.coordinates[0]!.map((p) => p[0]!);
            if (Math.max(...lngs) - Math.min(...lngs) >= 180) return;
            // Within float error of an edge the two algorithms round differently (a probe 1e-14°
            // from a vertex was inside for one and outside for the other): compare off the boundary.
            if (nearEdge(q, sh.polygon.coordinates)) return;
            expect(zones[i]!.contains(q.lat, q.lng), 'ray cast vs turf').to.equal(booleanPointInPolygon([q.lng, q.lat], turfPolygon(sh.polygon.coordinates)));
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('when a zone is precomputed, then every interior cell lies wholly inside (centre and points just inside each vertex), and the points on its edge fall in listed cells', () => {
    fc.assert(
      fc.property(zoneArb, (shape) => {
        const zone = prepareZone(shape);
        const { res, interior, boundary } = zoneCells(zone);
        const listed = new Set([...interior, ...boundary]);
        for (const cell of interior) {
          const [clat, clng] = cellToLatLng(cell);
          expect(zone.contains(clat, clng)).to.equal(true);
          for (const [vlat, vlng] of cellToBoundary(cell)) {
            // 1 % of the way back to the centre: inside the cell, next to its corner
            let dl = clng - vlng!;
            if (dl > 180) dl -= 360;
            if (dl < -180) dl += 360;
            const p = { lat: vlat! + (clat - vlat!) * 0.01, lng: vlng! + dl * 0.01 };
            if (latLngToCell(p.lat, p.lng, res) === cell) expect(zone.contains(p.lat, p.lng), `corner of ${cell}`).to.equal(true);
          }
        }
        const rings = shape.kind === 'polygon' ? shape.polygon.coordinates : [];
        for (const ring of rings) for (const [lng, lat] of ring) expect(listed.has(latLngToCell(lat!, lng!, res))).to.equal(true);
      }),
      { numRuns: 40 },
    );
  });

  it('when points lie within metres of a zone\'s edge (the band the exact test runs in), then a lookup returns exactly the zones whose exact test accepts them', () => {
    fc.assert(
      fc.property(fc.array(zoneArb, { minLength: 1, maxLength: 4 }), fc.array(fc.record({ i: fc.nat(), t: fc.double({ min: 0, max: 1, noNaN: true }), off: fc.double({ min: -300, max: 300, noNaN: true }), b: fc.double({ min: 0, max: 360, noNaN: true }) }), { minLength: 30, maxLength: 80 }), (shapes, probes) => {
        const zones = shapes.map((s) => prepareZone(s));
        const index = new ZoneIndex();
        zones.forEach((z, i) => index.set(`z${i}`, z));
        for (const p of probes) {
          // A point on the outer ring (a fraction t round it), moved up to 300 m in any direction.
          const ring = zones[p.i % zones.length]!.rings[0]!;
          const k = Math.min(ring.length - 2, Math.floor(p.t * (ring.length - 1)));
          const [ax, ay] = ring[k] as [number, number];
          const [bx, by] = ring[k + 1] as [number, number];
          const f = p.t * (ring.length - 1) - k;
          const q = destinationPoint(ay + (by - ay) * f, ax + (bx - ax) * f, Math.abs(p.off), p.b);
          const brute = zones.flatMap((zone, i) => (zone.contains(q.lat, q.lng) ? [`z${i}`] : [])).sort();
          expect(index.lookup(q.lat, q.lng).sort(), JSON.stringify(q)).to.deep.equal(brute);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('when a 5 km circle is precomputed, then the exact test runs in a band about one cell wide (boundary cells only where the edge comes within a cell\'s reach)', () => {
    const zone = prepareZone({ kind: 'radius', center: { lat: 33.5138, lng: 36.2765 }, radiusM: 5_000 });
    const { res, interior, boundary } = zoneCells(zone);
    expect(res).to.equal(9);
    // The circle is 31.4 km round and a res-9 cell reaches about 0.2 km from its centre: the cells
    // whose centre lies within that of the edge number about 31.4 × 0.4 / 0.105 km² ≈ 120.
    // Sampled cells with their first ring (the earlier band) were about 280.
    expect(boundary.length).to.be.within(80, 160);
    for (const cell of boundary) {
      const [lat, lng] = cellToLatLng(cell);
      expect(Math.abs(haversineM(33.5138, 36.2765, lat, lng) - 5_000)).to.be.below(250);
    }
    expect(interior.length).to.be.above(boundary.length * 4);
  });

  it('when the exact test reads only the edges of the point\'s latitude slab, then it answers as a scan of every edge, vertices and points on edges included', () => {
    /** The plain even-odd scan over every edge of every ring: the reference. */
    const fullScan = (rings: number[][][], x: number, y: number): boolean => {
      let inside = false;
      for (const ring of rings) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [xi, yi] = ring[i] as [number, number];
          const [xj, yj] = ring[j] as [number, number];
          if (((yi <= y) === (y <= yj) || (yj <= y) === (y <= yi)) && ((xi <= x) === (x <= xj) || (xj <= x) === (x <= xi)) && (xj - xi) * (y - yi) - (yj - yi) * (x - xi) === 0) return true;
          if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
        }
      }
      return inside;
    };
    fc.assert(
      fc.property(zoneArb.filter((z) => z.kind === 'polygon'), fc.array(fc.record({ k: fc.nat(), t: fc.constantFrom(0, 0.5, 1), dx: fc.double({ min: -0.05, max: 0.05, noNaN: true }), dy: fc.double({ min: -0.05, max: 0.05, noNaN: true }) }), { minLength: 20, maxLength: 60 }), (shape, probes) => {
        const zone = prepareZone(shape);
        const rings = zone.rings;
        const minLng = zone.bbox[0];
        const ring = rings[0]!;
        for (const p of probes) {
          const a = ring[p.k % (ring.length - 1)]!;
          const b = ring[(p.k % (ring.length - 1)) + 1]!;
          // A vertex, an edge's midpoint (both on the edge), or a point up to 0.05° away.
          const onEdge = { x: a[0]! + (b[0]! - a[0]!) * p.t, y: a[1]! + (b[1]! - a[1]!) * p.t };
          for (const q of [onEdge, { x: onEdge.x + p.dx, y: onEdge.y + p.dy }]) {
            let lng = q.x;
            while (lng > 180) lng -= 360;
            while (lng < -180) lng += 360;
            if (q.y < -90 || q.y > 90) continue;
            // The reference sees the point as contains places it: in the zone's unwrapped frame, inside its bbox.
            let x = lng;
            if (x < minLng) x += 360;
            else if (x >= minLng + 360) x -= 360;
            const inBox = x <= zone.bbox[2] && q.y >= zone.bbox[1] && q.y <= zone.bbox[3];
            expect(zone.contains(q.y, lng), JSON.stringify(q)).to.equal(inBox && fullScan(rings, x, q.y));
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('when a zone is replaced or deleted, then lookups follow', () => {
    const index = new ZoneIndex();
    const damascus = { lat: 33.5138, lng: 36.2765 };
    index.set('a', prepareZone({ kind: 'radius', center: damascus, radiusM: 2_000 }));
    expect(index.lookup(damascus.lat, damascus.lng)).to.deep.equal(['a']);
    index.set('a', prepareZone({ kind: 'radius', center: { lat: 34.73, lng: 36.71 }, radiusM: 2_000 }));
    expect(index.lookup(damascus.lat, damascus.lng)).to.deep.equal([]);
    expect(index.lookup(34.73, 36.71)).to.deep.equal(['a']);
    expect(index.delete('a')).to.equal(true);
    expect(index.lookup(34.73, 36.71)).to.deep.equal([]);
    expect(index.size).to.equal(0);
  });

  it('when a map asks for the zones in its view, then it gets those whose box meets the view, across the antimeridian too, at most the limit with the full count', () => {
    const index = new ZoneIndex();
    index.set('damascus', prepareZone({ kind: 'radius', center: { lat: 33.5138, lng: 36.2765 }, radiusM: 2_000 }));
    index.set('homs', prepareZone({ kind: 'radius', center: { lat: 34.73, lng: 36.71 }, radiusM: 2_000 }));
    index.set('fiji', prepareZone({ kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[179.75, -17], [-179.75, -17], [-179.75, -16.5], [179.75, -16.5], [179.75, -17]]] } }));
    const sorted = (r: { ids: string[]; total: number }) => ({ ids: [...r.ids].sort(), total: r.total });
    expect(sorted(index.inBox([36.2, 33.45, 36.35, 33.55], 10))).to.deep.equal({ ids: ['damascus'], total: 1 }); // a city view
    expect(sorted(index.inBox([36.29, 33.52, 36.3, 33.53], 10))).to.deep.equal({ ids: ['damascus'], total: 1 }); // a view inside the zone
    expect(sorted(index.inBox([36, 33, 37, 35], 10))).to.deep.equal({ ids: ['damascus', 'homs'], total: 2 });
    expect(index.inBox([36, 33, 37, 35], 1)).to.deep.include({ total: 2 }).and.satisfy((r: { ids: string[] }) => r.ids.length === 1);
    expect(sorted(index.inBox([36.4, 33.45, 36.6, 33.55], 10))).to.deep.equal({ ids: [], total: 0 }); // east of Damascus
    expect(sorted(index.inBox([179.5, -17.5, -179.5, -16], 10))).to.deep.equal({ ids: ['fiji'], total: 1 }); // a view across the antimeridian
    expect(sorted(index.inBox([-179.9, -17.5, -179.5, -16], 10))).to.deep.equal({ ids: ['fiji'], total: 1 }); // its western half only
    expect(sorted(index.inBox([179.8, -17.5, 179.95, -16], 10))).to.deep.equal({ ids: ['fiji'], total: 1 }); // its eastern half only
    expect(sorted(index.inBox([-10, -17.5, 10, -16], 10))).to.deep.equal({ ids: [], total: 0 }); // not the long way round
    index.delete('homs');
    expect(sorted(index.inBox([36, 33, 37, 35], 10))).to.deep.equal({ ids: ['damascus'], total: 1 });
  });
});
