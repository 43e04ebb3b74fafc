import { expect } from 'chai';
import { EtaService, etaThrough, etaThroughNow, haversineEta } from '../../../geo/index.js';

const AT = { lat: 33.5138, lng: 36.2765 };
const PICKUP = { lat: 33.52, lng: 36.28 };
const DOOR = { lat: 33.53, lng: 36.3 };

describe('geo etaThrough: the ETA to a door through the stops ahead', () => {
  const eta = new EtaService({});

  it('when the courier still has to reach the pickup, then the ETA sums both legs and names the weakest source', async () => {
    const expected = Math.round(haversineEta(AT, PICKUP, 'car').durationS + haversineEta(PICKUP, DOOR, 'car').durationS);
    expect(await etaThrough(eta, AT, [PICKUP, DOOR], 'car')).to.deep.equal({ seconds: expected, source: 'haversine' });
    expect(etaThroughNow(eta, AT, [PICKUP, DOOR], 'car')).to.deep.equal({ seconds: expected, source: 'haversine' });
  });

  it('when only the door is ahead, then the ETA is that one leg; with no stop ahead, then there is none', async () => {
    const one = { seconds: Math.round(haversineEta(AT, DOOR, 'bike').durationS), source: 'haversine' };
    expect(await etaThrough(eta, AT, [DOOR], 'bike')).to.deep.equal(one);
    expect(etaThroughNow(eta, AT, [DOOR], 'bike')).to.deep.equal(one);
    expect(await etaThrough(eta, AT, [], 'bike')).to.equal(null);
    expect(etaThroughNow(eta, AT, [], 'bike')).to.equal(null);
  });
});
