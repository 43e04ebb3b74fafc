import { expect } from 'chai';
import fc from 'fast-check';
import { cellToLatLng, getPentagons, gridDisk, latLngToCell } from 'h3-js';
import { destinationPoint, haversineM } from '../../../geo/distance.js';
import { NearestPlanner } from '../../../geo/plan.js';

const [pLat, pLng] = cellToLatLng(getPentagons(0)[5] as string);
const centres = fc.constantFrom({ lat: 33.51, lng: 36.28 }, { lat: 64.1, lng: -21.9 }, { lat: pLat, lng: pLng }, { lat: -33.9, lng: 151.2 }, { lat: 0.01, lng: 179.99 });

describe('geo NearestPlanner lower bounds', () => {
  it('when a point lies in a planned cell, then that cell md never exceeds the true distance', () => {
    fc.assert(
      fc.property(centres, fc.constantFrom(7, 8, 9), fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: 0, max: 2500, noNaN: true }), fc.double({ min: 0, max: 360, noNaN: true }), (c, res, b1, d, b2) => {
        const planner = new NearestPlanner(res, 3);
        const q = destinationPoint(c.lat, c.lng, 200, b1);
        const p = destinationPoint(q.lat, q.lng, d, b2);
        const cell = latLngToCell(p.lat, p.lng, res);
        const plan = planner.candidates(q.lat, q.lng, 2600, 5000);
        const rows = [...plan.byRegion.values()].join('');
        const at = rows.indexOf(cell);
        const trueD = haversineM(q.lat, q.lng, p.lat, p.lng);
        if (at >= 0) {
          expect(Number(rows.slice(at + 15, at + 21))).to.be.at.most(trueD + 1e-9);
        } else {
          // not planned: it must lie beyond the covered radius
          expect(trueD).to.be.greaterThan(plan.coveredM);
        }
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('when asked to cover a distance, then every cell of the disk within it is planned', () => {
    const planner = new NearestPlanner(9, 3);
    const q = { lat: 33.5, lng: 36.3 };
    const plan = planner.candidates(q.lat, q.lng, 1000, 5000);
    expect(plan.coveredM).to.be.at.least(1000);
    const rows = [...plan.byRegion.values()].join('');
    const origin = latLngToCell(q.lat, q.lng, 9);
    for (const c of gridDisk(origin, 2)) expect(rows).to.include(c);
    // records are sorted best-first
    const mds = rows.match(/.{21}/g)?.map((r) => Number(r.slice(15))) ?? [];
    expect(mds).to.deep.equal([...mds].sort((a, b) => a - b));
  });
});
