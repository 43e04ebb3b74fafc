import { expect } from 'chai';
import fc from 'fast-check';
import { cellToBoundary, cellToChildren, cellToLatLng, cellToParent, getPentagons, gridDisk, latLngToCell } from 'h3-js';
import { destinationPoint, haversineM } from '../../../geo/distance.js';
import { DESCENDANT_FACTOR, FINE_RINGS, NearestPlanner } from '../../../geo/plan.js';

/** Vertices of a cell plus 15 points along each edge (great-circle interpolation). */
function boundarySamples(cell: string): [number, number][] {
  const RAD = Math.PI / 180;
  const vec = ([la, ln]: [number, number]) => [Math.cos(la * RAD) * Math.cos(ln * RAD), Math.cos(la * RAD) * Math.sin(ln * RAD), Math.sin(la * RAD)];
  const b = cellToBoundary(cell);
  const out: [number, number][] = [];
  b.forEach((v, i) => {
    const a = vec(v as [number, number]);
    const z = vec(b[(i + 1) % b.length] as [number, number]);
    for (let t = 0; t < 16; t++) {
      const p = a.map((x, k) => x * (1 - t / 16) + (z[k] as number) * (t / 16));
      const n = Math.hypot(...p);
      out.push([Math.asin((p[2] as number) / n) / RAD, Math.atan2(p[1] as number, p[0] as number) / RAD]);
    }
  });
  return out;
}

const [pLat, pLng] = cellToLatLng(getPentagons(0)[5] as string);
const centres = fc.constantFrom({ lat: 33.51, lng: 36.28 }, { lat: 64.1, lng: -21.9 }, { lat: pLat, lng: pLng }, { lat: -33.9, lng: 151.2 }, { lat: 0.01, lng: 179.99 });

describe('geo NearestPlanner lower bounds', function () {
  // thousands of cold planners: slow on a loaded box
  this.timeout(90_000);
  it('when a point lies in a planned cell, then that cell md never exceeds the true distance, and an unplanned point lies beyond coveredM', () => {
    fc.assert(
      fc.property(centres, fc.constantFrom(7, 8, 9), fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: 0, max: 2500, noNaN: true }), fc.double({ min: 0, max: 360, noNaN: true }), fc.integer({ min: 50, max: 2600 }), (c, res, b1, d, b2, cover) => {
        const planner = new NearestPlanner(res, 3);
        const q = destinationPoint(c.lat, c.lng, 200, b1);
        const p = destinationPoint(q.lat, q.lng, d, b2);
        const cell = latLngToCell(p.lat, p.lng, res);
        const plan = planner.candidates(q.lat, q.lng, cover, 5000);
        // the ring tier covers what its FINE_RINGS reach; beyond that the search walks the hierarchy (tested below)
        if (cover <= planner.edgeM * FINE_RINGS) expect(plan.coveredM).to.be.at.least(cover);
        const at = plan.cells.findIndex((c) => c.cell === cell);
        const trueD = haversineM(q.lat, q.lng, p.lat, p.lng);
        if (at >= 0) {
          expect(plan.mds[at]).to.be.at.most(trueD + 1e-9);
          expect(plan.cells[at]?.region).to.equal(cellToParent(cell, 3));
        } else {
          // not planned: it must lie beyond the covered radius
          expect(trueD).to.be.greaterThan(plan.coveredM);
        }
      }),
      { numRuns: 1000, seed: 7 },
    );
  });

  it('when q lies anywhere, then every boundary point of a planned cell is at least md away and every point of an unplanned cell is beyond coveredM', () => {
    fc.assert(
      fc.property(centres, fc.constantFrom(7, 8, 9), fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.3, max: 4, noNaN: true }), (c, res, b, f, coverEdges) => {
        const planner = new NearestPlanner(res, 3);
        const q = destinationPoint(c.lat, c.lng, f * planner.edgeM * 3, b);
        const cover = coverEdges * planner.edgeM;
        const plan = planner.candidates(q.lat, q.lng, cover, 50_000);
        const mdOf = new Map(plan.cells.map((p, i) => [p.cell, plan.mds[i] as number]));
        // the closest point of a cell to an outside q is on its boundary: sample it densely (great-circle edges)
        for (const cell of gridDisk(latLngToCell(q.lat, q.lng, res), Math.ceil(coverEdges) + 3)) {
          const nearest = Math.min(...boundarySamples(cell).map(([la, ln]) => haversineM(q.lat, q.lng, la, ln)));
          const inside = latLngToCell(q.lat, q.lng, res) === cell;
          const md = mdOf.get(cell);
          if (md !== undefined) expect(md, cell).to.be.at.most(inside ? 0 : nearest + 1e-6);
          else expect(nearest, cell).to.be.greaterThan(plan.coveredM);
        }
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('when q shares a lat/lng bucket with an earlier query in another cell, then its plan keeps the same guarantees', () => {
    let foreign = 0;
    fc.assert(
      fc.property(centres, fc.constantFrom(7, 8, 9), fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: 0.3, max: 3, noNaN: true }), (c, res, vertex, b, coverEdges) => {
        const planner = new NearestPlanner(res, 3);
        // an earlier query right next to a cell vertex, then q a few metres away across it
        const cell = latLngToCell(c.lat, c.lng, res);
        const [vLat, vLng] = cellToBoundary(cell)[vertex % cellToBoundary(cell).length] as [number, number];
        const p1 = destinationPoint(vLat, vLng, 2, b);
        const q = destinationPoint(vLat, vLng, 2, b + 180);
        planner.candidates(p1.lat, p1.lng, 500, 50_000);
        const origin = (planner as unknown as { originOf(lat: number, lng: number): string }).originOf(q.lat, q.lng);
        if (origin !== latLngToCell(q.lat, q.lng, res)) foreign++;
        const cover = coverEdges * planner.edgeM;
        const plan = planner.candidates(q.lat, q.lng, cover, 50_000);
        expect(plan.coveredM).to.be.at.least(cover);
        const mdOf = new Map(plan.cells.map((p, i) => [p.cell, plan.mds[i] as number]));
        for (const near of gridDisk(latLngToCell(q.lat, q.lng, res), Math.ceil(coverEdges) + 3)) {
          const nearest = Math.min(...boundarySamples(near).map(([la, ln]) => haversineM(q.lat, q.lng, la, ln)));
          const md = mdOf.get(near);
          if (md !== undefined) expect(md, near).to.be.at.most(latLngToCell(q.lat, q.lng, res) === near ? 0 : nearest + 1e-6);
          else expect(nearest, near).to.be.greaterThan(plan.coveredM);
        }
      }),
      { numRuns: 150, seed: 5 },
    );
    // the case under test happened (q's own cell differs from the bucket's origin)
    expect(foreign).to.be.greaterThan(30);
  });

  it('when asked to cover a distance, then every cell of the disk within it is planned', () => {
    const planner = new NearestPlanner(9, 3);
    const q = { lat: 33.5, lng: 36.3 };
    const plan = planner.candidates(q.lat, q.lng, 1000, 5000);
    expect(plan.coveredM).to.be.at.least(1000);
    const origin = latLngToCell(q.lat, q.lng, 9);
    for (const c of gridDisk(origin, 2)) expect(plan.cells.map((p) => p.cell)).to.include(c);
    // cells are sorted best-first
    expect(plan.mds).to.have.length(plan.cells.length);
    expect(plan.mds).to.deep.equal([...plan.mds].sort((a, b) => a - b));
  });
});

/** The poles, both sides of the antimeridian, the equator and all 12 pentagons. */
const sphere = fc.constantFrom(
  { lat: 89.9, lng: 0 },
  { lat: 89.975, lng: 120 },
  { lat: -89.93, lng: 45 },
  { lat: -17.8, lng: 179.9 },
  { lat: -16.6, lng: -179.9 },
  { lat: 0, lng: 0 },
  ...getPentagons(0).map((p) => {
    const [lat, lng] = cellToLatLng(p);
    return { lat, lng };
  }),
);

describe('geo NearestPlanner hierarchy walk', () => {
  it('when a cell of any resolution is split to finer ones, then every descendant vertex lies within DESCENDANT_FACTOR circumradii of its centre (all pentagons, random cells)', () => {
    const circ = (c: string, [la, ln]: [number, number]) => Math.max(...cellToBoundary(c).map(([a, b]) => haversineM(la, ln, a, b)));
    let x = 99;
    const rnd = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
    let worst = 0;
    for (let res = 0; res <= 6; res++) {
      const cells = [...getPentagons(res), ...Array.from({ length: 12 }, () => latLngToCell((Math.asin(2 * rnd() - 1) * 180) / Math.PI, rnd() * 360 - 180, res))];
      for (const cell of cells) {
        const centre = cellToLatLng(cell) as [number, number];
        const r = circ(cell, centre);
        for (const child of cellToChildren(cell, Math.min(res + 3, 8))) {
          for (const [la, ln] of cellToBoundary(child)) worst = Math.max(worst, haversineM(centre[0], centre[1], la, ln) / r);
        }
      }
    }
    expect(worst).to.be.below(DESCENDANT_FACTOR - 0.1);
  });

  it('when q lies anywhere on the sphere, then the walk hands out every index cell within reach, each once, in md order, with md never above its true distance', () => {
    fc.assert(
      fc.property(sphere, fc.constantFrom(7, 8, 9), fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: 0, max: 5000, noNaN: true }), fc.integer({ min: 1, max: 400 }), (c, res, b, off, batch) => {
        const planner = new NearestPlanner(res, 3);
        const q = destinationPoint(c.lat, c.lng, off, b);
        const limitM = planner.edgeM * 8;
        const walk = planner.walk(q.lat, q.lng);
        const got = new Map<string, number>();
        let last = 0;
        while (walk.peek() <= limitM) {
          const { cells, mds } = walk.take(batch, limitM);
          cells.forEach((p, i) => {
            expect(got.has(p.cell), p.cell).to.equal(false);
            expect(mds[i]).to.be.at.least(last);
            last = mds[i] as number;
            got.set(p.cell, mds[i] as number);
            expect(p.region).to.equal(cellToParent(p.cell, 3));
          });
        }
        // every cell with a point within limitM of q (sampled on a polar grid) was handed out, and md ≤ the distance
        for (let d = 0; d <= limitM; d += planner.edgeM / 3) {
          for (let a = 0; a < 360; a += 10) {
            const p = destinationPoint(q.lat, q.lng, d, a);
            const cell = latLngToCell(p.lat, p.lng, res);
            const md = got.get(cell);
            expect(md, `${cell} at ${d.toFixed(0)} m`).to.not.equal(undefined);
            expect(md as number).to.be.at.most(haversineM(q.lat, q.lng, p.lat, p.lng) + 1e-6);
          }
        }
      }),
      { numRuns: 60, seed: 3 },
    );
  });

  it('when q lies at the poles, across the antimeridian or beside a pentagon, then the ring tier keeps its bounds', () => {
    fc.assert(
      fc.property(sphere, fc.constantFrom(7, 8, 9), fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: 0, max: 3000, noNaN: true }), fc.double({ min: 0.3, max: 4, noNaN: true }), (c, res, b, off, coverEdges) => {
        const planner = new NearestPlanner(res, 3);
        const q = destinationPoint(c.lat, c.lng, off, b);
        const cover = coverEdges * planner.edgeM;
        const plan = planner.candidates(q.lat, q.lng, cover, 50_000);
        expect(plan.coveredM).to.be.at.least(cover);
        const mdOf = new Map(plan.cells.map((p, i) => [p.cell, plan.mds[i] as number]));
        for (const cell of gridDisk(latLngToCell(q.lat, q.lng, res), Math.ceil(coverEdges) + 3)) {
          const nearest = Math.min(...boundarySamples(cell).map(([la, ln]) => haversineM(q.lat, q.lng, la, ln)));
          const md = mdOf.get(cell);
          if (md !== undefined) expect(md, cell).to.be.at.most(latLngToCell(q.lat, q.lng, res) === cell ? 0 : nearest + 1e-6);
          else expect(nearest, cell).to.be.greaterThan(plan.coveredM);
        }
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});
