import { expect } from 'chai';
import { EtaService } from '../../../geo/index.js';
import { GoogleDistanceMatrixProvider, googleRoadEtaFromEnv } from '../../../infra/providers/google-distance-matrix.js';
import { startHttpStub, type HttpStub } from '../../helpers/http-stub.js';

const OK = { status: 'OK', rows: [{ elements: [{ status: 'OK', duration: { value: 700, text: '' }, duration_in_traffic: { value: 820, text: '' }, distance: { value: 6100, text: '' } }] }] };
const A = { lat: 33.5, lng: 36.28 };
const B = { lat: 33.53, lng: 36.31 };

describe('geo ETA layer (c): Google Distance Matrix adapter against a local stub', () => {
  let stub: HttpStub;
  let provider: GoogleDistanceMatrixProvider;

  before(async () => {
    stub = await startHttpStub();
    provider = new GoogleDistanceMatrixProvider({ apiKey: 'test-key', url: `${stub.url}/maps/api/distancematrix/json` });
  });
  after(() => stub.close());
  beforeEach(() => stub.requests.splice(0));

  it('when the API answers OK, then the traffic duration is used and the request carries key, mode and points', async () => {
    stub.handle(() => ({ json: OK }));
    const r = await new EtaService({ road: provider }).eta(A, B, 'car');
    expect(r).to.deep.equal({ durationS: 820, distanceM: 6100, source: 'google' });
    const q = stub.requests[0]?.url.searchParams;
    expect(q?.get('key')).to.equal('test-key');
    expect(q?.get('mode')).to.equal('driving');
    expect(q?.get('origins')).to.equal('33.5,36.28');
    expect(q?.get('departure_time')).to.match(/^\d+$/);
  });

  it('when the API errors or returns a non-OK element, then ETA falls back to the haversine layer', async () => {
    stub.handle(() => ({ status: 500, json: { status: 'UNKNOWN_ERROR' } }));
    expect((await new EtaService({ road: provider }).eta(A, B, 'bike')).source).to.equal('haversine');
    stub.handle(() => ({ json: { status: 'OK', rows: [{ elements: [{ status: 'ZERO_RESULTS' }] }] } }));
    expect((await new EtaService({ road: provider }).eta(A, B, 'bike')).source).to.equal('haversine');
    expect(stub.requests[1]?.url.searchParams.get('mode')).to.equal('bicycling');
  });

  it('when the API is slower than the timeout, then the call is abandoned quickly and repeated failures open the breaker', async () => {
    stub.handle(() => ({ json: OK, delayMs: 2_000 }));
    const eta = new EtaService({ road: provider, timeoutMs: 100, breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) expect((await eta.eta(A, { lat: B.lat + i * 0.01, lng: B.lng }, 'car')).source).to.equal('haversine');
    expect(Date.now() - t0).to.be.below(1_500);
    expect(stub.requests).to.have.length(2);
    expect(eta.breakerState).to.equal('open');
  });

  it('when GOOGLE_MAPS_API_KEY is unset, then no provider is built', () => {
    expect(googleRoadEtaFromEnv({})).to.equal(undefined);
    expect(googleRoadEtaFromEnv({ GOOGLE_MAPS_API_KEY: 'k' })).to.be.instanceOf(GoogleDistanceMatrixProvider);
  });
});
