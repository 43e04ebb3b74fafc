import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { signUp, type Session } from '../helpers/identity.js';
import { connect } from '../helpers/hub.js';

const refusalOf = (p: Promise<{ close(): void }>) =>
  p.then(
    (s) => {
      s.close();
      return null;
    },
    (err: Error & { data?: { code?: string } }) => ({ message: err.message, code: err.data?.code }),
  );

describe('allowed origins: the app\'s own URL in development', function () {
  this.timeout(30_000);

  describe('when NODE_ENV=development on a port other than 3000', () => {
    let app: TestApp;
    let customer: Session;
    let port: string;
    before(async () => {
      app = await startTestApp({ env: { NODE_ENV: 'development' } });
      customer = await signUp(app, 'customer');
      port = new URL(app.url).port;
      expect(port).to.not.equal('3000');
    });
    after(() => app?.stop());

    it('then the printed URL (and localhost on that port) is an allowed CORS origin for REST', async () => {
      for (const origin of [app.url, `http://localhost:${port}`]) {
        const r = await http(`${app.url}/health`, { headers: { origin } });
        expect(r.headers.get('access-control-allow-origin'), origin).to.equal(origin);
      }
      const other = await http(`${app.url}/health`, { headers: { origin: 'http://127.0.0.1:1' } });
      expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    });

    it('then a socket from the printed URL connects, and one from another origin is refused with a code and a reason it can read', async () => {
      expect(await refusalOf(connect(app.url, '/customer', customer.accessToken, { origin: app.url }))).to.equal(null);
      expect(await refusalOf(connect(app.url, '/customer', customer.accessToken, { origin: `http://localhost:${port}` }))).to.equal(null);
      const refused = await refusalOf(connect(app.url, '/customer', customer.accessToken, { origin: 'https://evil.example' }));
      expect(refused?.code).to.equal('ORIGIN_NOT_ALLOWED');
      expect(refused?.message).to.include('https://evil.example').and.to.include('CORS_ORIGINS');
    });
  });

  describe('when NODE_ENV is not development', () => {
    let app: TestApp;
    let customer: Session;
    before(async () => {
      app = await startTestApp({ env: { NODE_ENV: 'test' } });
      customer = await signUp(app, 'customer');
    });
    after(() => app?.stop());

    it('then the app\'s own URL is not allowed unless listed in CORS_ORIGINS', async () => {
      const r = await http(`${app.url}/health`, { headers: { origin: app.url } });
      expect(r.headers.get('access-control-allow-origin')).to.equal(null);
      const refused = await refusalOf(connect(app.url, '/customer', customer.accessToken, { origin: app.url }));
      expect(refused?.code).to.equal('ORIGIN_NOT_ALLOWED');
      expect(await refusalOf(connect(app.url, '/customer', customer.accessToken, { origin: 'http://localhost:3000' }))).to.equal(null);
    });
  });
});
