import { expect } from 'chai';
import { cellToCenterChild, cellToLatLng, latLngToCell } from 'h3-js';
import { EtaService, ROAD_FACTOR, haversineM, hourOfWeek, type LearnedSpeedSource, type RoadEtaProvider } from '../../../geo/index.js';

const A = { lat: 33.5, lng: 36.28 };
const B = { lat: 33.53, lng: 36.31 };

class FakeRoad implements RoadEtaProvider {
  calls = 0;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  async roadEta(_f: unknown, _t: unknown, _v: unknown, { signal }: { signal: AbortSignal }) {
    this.calls++;
    if (this.mode === 'fail') throw new Error('boom');
    if (this.mode === 'hang') return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return { durationS: 600, distanceM: 5400 };
  }
}

describe('geo ETA layers', () => {
  it('when nothing else is configured, then layer (a) is great-circle × road factor ÷ vehicle speed', async () => {
    const r = await new EtaService().eta(A, B, 'car');
    const d = haversineM(A.lat, A.lng, B.lat, B.lng) * ROAD_FACTOR;
    expect(r).to.deep.equal({ durationS: d / 8, distanceM: d, source: 'haversine' });
    const bike = await new EtaService().eta(A, B, 'bike');
    expect(bike.durationS).to.be.greaterThan(r.durationS);
  });

  it('when the provider answers, then source is google and the 15-minute cell cache avoids a second call', async () => {
    let now = 1_700_000_000_000;
    const road = new FakeRoad();
    const eta = new EtaService({ road, clock: () => now });
    expect(await eta.eta(A, B, 'car')).to.deep.equal({ durationS: 600, distanceM: 5400, source: 'google' });
    await eta.eta({ lat: A.lat + 0.0001, lng: A.lng }, B, 'car');
    expect(road.calls).to.equal(1);
    now += 15 * 60_000;
    await eta.eta(A, B, 'car');
    expect(road.calls).to.equal(2);
  });

  it('when the provider hangs, then the call times out and falls back without failing', async () => {
    const road = new FakeRoad();
    road.mode = 'hang';
    const t0 = Date.now();
    const r = await new EtaService({ road, timeoutMs: 50 }).eta(A, B, 'van');
    expect(r.source).to.equal('haversine');
    expect(Date.now() - t0).to.be.below(1000);
  });

  it('when the provider keeps failing, then the breaker opens, stops calling it, and half-opens after the cooldown', async () => {
    const road = new FakeRoad();
    road.mode = 'fail';
    // the breaker (cockatiel) keeps real time
    const eta = new EtaService({ road, breaker: { failureThreshold: 3, cooldownMs: 200 } });
    for (let i = 0; i < 6; i++) expect((await eta.eta(A, { lat: B.lat + i * 0.01, lng: B.lng }, 'car')).source).to.equal('haversine');
    expect(road.calls).to.equal(3);
    expect(eta.breakerState).to.equal('open');
    await new Promise((resolve) => setTimeout(resolve, 250));
    road.mode = 'ok';
    expect((await eta.eta(A, { lat: 33.9, lng: 36.5 }, 'car')).source).to.equal('google');
    expect(eta.breakerState).to.equal('closed');
  });

  it('when learned speeds cover the path with enough samples, then layer (b) is used and reflects congestion', async () => {
    const slow: LearnedSpeedSource = { ratios: async (cells) => new Map(cells.map((c) => [c, { ratio: 0.5, samples: 50 }])) };
    const thin: LearnedSpeedSource = { ratios: async (cells) => new Map(cells.map((c) => [c, { ratio: 0.5, samples: 3 }])) };
    const base = await new EtaService().eta(A, B, 'motorbike');
    const learned = await new EtaService({ learned: slow }).eta(A, B, 'motorbike');
    expect(learned.source).to.equal('learned');
    expect(learned.durationS).to.be.closeTo(base.durationS * 2, 1e-6);
    expect((await new EtaService({ learned: thin }).eta(A, B, 'motorbike')).source).to.equal('haversine');
  });

  it('when positions stay between the same two cells, then the learned pace is read once per TTL and peek answers without I/O', async () => {
    let now = 1_700_000_000_000;
    let reads = 0;
    let ratio = 0.5;
    const source: LearnedSpeedSource = {
      ratios: async (cells) => {
        reads += 1;
        return new Map(cells.map((c) => [c, { ratio, samples: 50 }]));
      },
    };
    const eta = new EtaService({ learned: source, clock: () => now, paceTtlMs: 30_000 });
    const to = { ...B };
    expect(eta.peek(A, to, 'motorbike')).to.equal(null); // cold: would need Redis
    const first = await eta.eta(A, to, 'motorbike');
    expect(first.source).to.equal('learned');
    const nearby = { lat: A.lat + 0.0005, lng: A.lng }; // same res-7 cell, a bit closer
    const peeked = eta.peek(nearby, to, 'motorbike');
    expect(peeked?.source).to.equal('learned');
    expect(peeked?.durationS).to.be.closeTo((await eta.eta(nearby, to, 'motorbike')).durationS, 1e-9);
    expect(peeked?.durationS).to.not.equal(first.durationS); // exact distance, only the pace is shared
    expect(reads).to.equal(1);
    // after the TTL the pace is read again and a changed speed shows
    ratio = 0.25;
    now += 30_001;
    expect(eta.peek(A, to, 'motorbike')).to.equal(null);
    expect((await eta.eta(A, to, 'motorbike')).durationS).to.be.closeTo(first.durationS * 2, 1e-6);
    expect(reads).to.equal(2);
    // a destination object whose coordinates change is not answered from its old cell
    to.lat += 0.5;
    expect(eta.peek(A, to, 'motorbike')).to.equal(null);
  });

  it('when the caller passes the fix\'s index cell, then peek uses its parent as the speed cell (where the learner files that fix), and a coarser cell is not trusted', async () => {
    const source: LearnedSpeedSource = { ratios: async (cells) => new Map(cells.map((c) => [c, { ratio: 0.5, samples: 50 }])) };
    const eta = new EtaService({ learned: source, clock: () => 1_700_000_000_000, paceTtlMs: 30_000 });
    const to = { ...B };
    // the centre of the centre child lies in its parent, so coordinates and hint name the same speed cell
    const [lat, lng] = cellToLatLng(cellToCenterChild(latLngToCell(A.lat, A.lng, 7), 9));
    const P = { lat, lng };
    await eta.eta(P, to, 'car'); // warms the pace between P's and B's speed cells
    const plain = eta.peek(P, to, 'car');
    expect(plain?.source).to.equal('learned');
    expect(eta.peek(P, to, 'car', latLngToCell(P.lat, P.lng, 9))).to.deep.equal(plain);
    // a res-5 cell cannot name a res-7 speed cell: the coordinates decide
    expect(eta.peek(P, to, 'car', latLngToCell(P.lat, P.lng, 5))).to.deep.equal(plain);
    // the hint, not the coordinates, names the origin's speed cell: one elsewhere (no cached pace) is cold
    expect(eta.peek(P, to, 'car', latLngToCell(P.lat + 0.5, P.lng, 9))).to.equal(null);
  });

  it('when the learned source fails, then the answer is haversine and nothing is cached', async () => {
    let fail = true;
    const source: LearnedSpeedSource = {
      ratios: async (cells) => {
        if (fail) throw new Error('redis down');
        return new Map(cells.map((c) => [c, { ratio: 0.5, samples: 50 }]));
      },
    };
    const eta = new EtaService({ learned: source });
    expect((await eta.eta(A, B, 'car')).source).to.equal('haversine');
    expect(eta.peek(A, B, 'car')).to.equal(null);
    fail = false;
    expect((await eta.eta(A, B, 'car')).source).to.equal('learned');
  });

  it('when only haversine is configured, then peek gives the same answer as eta', async () => {
    expect(new EtaService().peek(A, B, 'car')).to.deep.equal(await new EtaService().eta(A, B, 'car'));
  });

  it('when given bad input, then it throws coded errors', async () => {
    const e1 = await new EtaService().eta({ lat: 99, lng: 0 }, B, 'car').catch((e: unknown) => e);
    expect(e1).to.include({ code: 'VALIDATION_ERROR', reason: 'INVALID_COORDINATE' });
    const e2 = await new EtaService().eta(A, B, 'horse' as never).catch((e: unknown) => e);
    expect(e2).to.include({ code: 'VALIDATION_ERROR', reason: 'UNKNOWN_VEHICLE' });
  });

  it('when computing hour of week, then Monday 00:00 UTC is 0 and Sunday 23:00 is 167', () => {
    expect(hourOfWeek(Date.UTC(2024, 0, 1, 0))).to.equal(0); // a Monday
    expect(hourOfWeek(Date.UTC(2024, 0, 7, 23))).to.equal(167);
    expect(latLngToCell(A.lat, A.lng, 7)).to.be.a('string');
  });
});
