import { expect } from 'chai';
import fc from 'fast-check';
import { booleanPointInPolygon, polygon } from '@turf/turf';
import { GeoError, Zone, deliveryFee, zoneAt } from '../../../geo/index.js';

const FEE = { baseMinor: 500, perKmMinor: 150, currency: 'SYP', minMinor: 600, maxMinor: 2000 };
// an L-shaped (concave) zone around Damascus, [lng, lat]
const L_SHAPE = [[[36.25, 33.49], [36.31, 33.49], [36.31, 33.51], [36.28, 33.51], [36.28, 33.54], [36.25, 33.54], [36.25, 33.49]]];

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(GeoError);
    return { code: (e as GeoError).code, reason: (e as GeoError).reason };
  }
  return null;
};

describe('geo zones', () => {
  const zone = Zone.create({ id: 'old-city', polygon: { type: 'Polygon', coordinates: L_SHAPE }, fee: FEE }, 9);

  it('when points fall anywhere around the zone, then membership equals the exact turf check', () => {
    const shape = polygon(L_SHAPE);
    fc.assert(
      fc.property(fc.double({ min: 33.48, max: 33.55, noNaN: true }), fc.double({ min: 36.24, max: 36.32, noNaN: true }), (lat, lng) => {
        expect(zone.contains(lat, lng)).to.equal(booleanPointInPolygon([lng, lat], shape));
      }),
      { numRuns: 3000, seed: 11 },
    );
    expect(zone.cellCount.interior).to.be.greaterThan(0);
  });

  it('when polygons are self-intersecting, unclosed, out of range or not polygons, then INVALID_POLYGON (400)', () => {
    const make = (coordinates: unknown, type = 'Polygon') => () => Zone.create({ id: 'z', polygon: { type, coordinates } as never, fee: FEE });
    const bowtie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]];
    const unclosed = [[[0, 0], [1, 0], [1, 1], [0, 1]]];
    const outOfRange = [[[0, 0], [200, 0], [1, 1], [0, 0]]];
    for (const bad of [make(bowtie), make(unclosed), make(outOfRange), make([[[0, 0], [0, 0]]]), make([[0, 0]], 'Point')]) {
      expect(codeOf(bad)).to.deep.equal({ code: 'VALIDATION_ERROR', reason: 'INVALID_POLYGON' });
    }
  });

  it('when zones are looked up and fees computed, then the first containing zone and a clamped per-km fee come back', () => {
    expect(zoneAt([zone], 33.5, 36.26)?.id).to.equal('old-city');
    expect(zoneAt([zone], 33.53, 36.30)).to.equal(null);
    expect(deliveryFee(zone, 0)).to.deep.equal({ amountMinor: 600, currency: 'SYP' });
    expect(deliveryFee(zone, 2_100)).to.deep.equal({ amountMinor: 950, currency: 'SYP' });
    expect(deliveryFee(zone, 50_000)).to.deep.equal({ amountMinor: 2000, currency: 'SYP' });
    expect(codeOf(() => deliveryFee(zone, -1))).to.deep.equal({ code: 'VALIDATION_ERROR', reason: 'INVALID_INPUT' });
  });
});
