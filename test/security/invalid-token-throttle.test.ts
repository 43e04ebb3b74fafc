import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';

describe('token guessing meets the per-IP rate limit', function () {
  this.timeout(30_000);
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_ANON_PER_MIN: '5' } });
  });
  after(async () => {
    await app?.stop();
  });

  it('when one IP sends bad tokens, then each is 401 INVALID_TOKEN until the limit, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof http>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await http(`${app.url}/api/v1/auth/me`, { token: `forged.${i}.token` });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).to.deep.equal([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).to.deep.equal([429, 429]);
    expect(last?.body.error.code).to.equal('RATE_LIMIT_EXCEEDED');
    expect(Number(last?.headers.get('retry-after'))).to.be.greaterThan(0);
  });

  it('when a valid token is used from the same IP, then it is limited per account, not by the exhausted IP bucket', async () => {
    const r = await http(`${app.url}/api/v1/admin/audit-log`, { token: app.token('admin') });
    expect(r.status).to.equal(200);
  });
});
