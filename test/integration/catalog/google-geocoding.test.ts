import { expect } from 'chai';
import { GoogleGeocoder } from '../../../infra/providers/google-geocoding.js';
import { startHttpStub, type HttpStub } from '../../helpers/http-stub.js';

const OK = { status: 'OK', results: [{ formatted_address: 'Straight St, Damascus, Syria', geometry: { location: { lat: 33.5106, lng: 36.3089 } } }] };

async function failure(p: Promise<unknown>): Promise<{ code?: string; status?: number; details?: { reason?: string }[] }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected a failure');
}

describe('catalog geocoding: Google Geocoding adapter against a local stub', () => {
  let stub: HttpStub;
  const geocoder = (over: Partial<ConstructorParameters<typeof GoogleGeocoder>[0]> = {}) =>
    new GoogleGeocoder({ apiKey: 'test-key', url: `${stub.url}/maps/api/geocode/json`, region: 'sy', language: 'ar', ...over });

  before(async () => {
    stub = await startHttpStub();
  });
  after(() => stub.close());
  beforeEach(() => stub.requests.splice(0));

  it('when the API answers OK, then the first result is the point, and the request carries the key, the line, the region and the language', async () => {
    stub.handle(() => ({ json: OK }));
    expect(await geocoder().geocode('شارع مستقيم، دمشق')).to.deep.equal({ lat: 33.5106, lng: 36.3089, formatted: 'Straight St, Damascus, Syria' });
    const q = stub.requests[0]!.url.searchParams;
    expect(q.get('key')).to.equal('test-key');
    expect(q.get('address')).to.equal('شارع مستقيم، دمشق');
    expect(q.get('region')).to.equal('sy');
    expect(q.get('language')).to.equal('ar');
  });

  it('when the API answers ZERO_RESULTS, then the answer is null (nothing matched), not an outage', async () => {
    stub.handle(() => ({ json: { status: 'ZERO_RESULTS', results: [] } }));
    const g = geocoder({ breaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    expect(await g.geocode('nowhere at all')).to.equal(null);
    expect(await g.geocode('nowhere again')).to.equal(null);
    expect(stub.requests, 'no-match does not open the breaker').to.have.length(2);
  });

  it('when the quota is exhausted, then SERVICE_UNAVAILABLE with reason GEOCODER_QUOTA, asked once (no retry storm)', async () => {
    for (const status of ['OVER_QUERY_LIMIT', 'OVER_DAILY_LIMIT']) {
      stub.requests.splice(0);
      stub.handle(() => ({ json: { status, results: [], error_message: 'quota' } }));
      const err = await failure(geocoder().geocode('Damascus'));
      expect(err.code, status).to.equal('SERVICE_UNAVAILABLE');
      expect(err.details?.[0]?.reason).to.equal('GEOCODER_QUOTA');
      expect(stub.requests).to.have.length(1);
    }
  });

  it('when the key is refused or the API errors, then SERVICE_UNAVAILABLE names the reason', async () => {
    stub.handle(() => ({ json: { status: 'REQUEST_DENIED', results: [], error_message: 'The provided API key is invalid.' } }));
    expect((await failure(geocoder().geocode('Damascus'))).details?.[0]?.reason).to.equal('GEOCODER_DENIED');
    stub.handle(() => ({ status: 500, json: { status: 'UNKNOWN_ERROR' } }));
    const err = await failure(geocoder().geocode('Damascus'));
    expect(err.code).to.equal('SERVICE_UNAVAILABLE');
    expect(err.details?.[0]?.reason).to.equal('GEOCODER_FAILED');
    stub.handle(() => ({ json: { status: 'OK', results: [{ geometry: { location: { lat: 'x' } } }] } }));
    expect((await failure(geocoder().geocode('Damascus'))).details?.[0]?.reason, 'a malformed answer').to.equal('GEOCODER_FAILED');
  });

  it('when the API is slower than the timeout, then the call is abandoned quickly, and repeated failures open the breaker so later calls fail at once', async () => {
    stub.handle(() => ({ json: OK, delayMs: 2_000 }));
    const g = geocoder({ timeoutMs: 150, breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    const t0 = Date.now();
    expect((await failure(g.geocode('a'))).details?.[0]?.reason).to.equal('GEOCODER_TIMEOUT');
    expect((await failure(g.geocode('b'))).details?.[0]?.reason).to.equal('GEOCODER_TIMEOUT');
    const open = await failure(g.geocode('c'));
    expect(open.code).to.equal('SERVICE_UNAVAILABLE');
    expect(open.details?.[0]?.reason).to.equal('GEOCODER_UNAVAILABLE');
    expect(Date.now() - t0).to.be.below(1_500);
    expect(stub.requests, 'the open breaker makes no call').to.have.length(2);
  });
});
