import { expect } from 'chai';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { signUpAdmin, type Session } from '../../helpers/identity.js';
import { MAX_RADIUS_M } from '../../../geo/index.js';

describe('the nearby search radius limit (one limit: geo, route, OpenAPI)', function () {
  this.timeout(40_000);
  let app: TestApp;
  let admin: Session;
  const url = (radiusM: number) => `${app.url}/api/v1/couriers/nearby?lat=33.5138&lng=36.2765&radiusM=${radiusM}`;

  before(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  after(async () => app.stop());

  it('when the OpenAPI document is read, then radiusM allows exactly up to the engine limit MAX_RADIUS_M', async () => {
    const doc = (await http(`${app.url}/openapi.json`)).body;
    const params = doc.paths['/api/v1/couriers/nearby'].get.parameters as { name: string; schema: { maximum?: number } }[];
    expect(params.find((p) => p.name === 'radiusM')?.schema.maximum).to.equal(MAX_RADIUS_M);
  });

  it('when radiusM is at the limit, then the search answers; one metre over, then a VALIDATION_ERROR names radiusM', async () => {
    expect((await http(url(MAX_RADIUS_M), { token: admin.accessToken })).status).to.equal(200);
    for (const over of [MAX_RADIUS_M + 1, 50_000]) {
      const r = await http(url(over), { token: admin.accessToken });
      expect(r.status, String(over)).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      expect(JSON.stringify(r.body.error.details)).to.include('radiusM');
    }
  });
});
