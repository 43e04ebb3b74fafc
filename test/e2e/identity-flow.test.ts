import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnMain, type Spawned } from '../helpers/process.js';
import { http } from '../helpers/app.js';
import { freePort } from '../../infra/embedded-redis.js';

/** #4 "done when": register → OTP → login → refresh → logout over HTTP against the real entry point, dev SMS adapter. */
describe('identity flow against npm start (real process, dev SMS adapter)', function () {
  this.timeout(90_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-e2e-id-'));
  let app: Spawned;
  let url = '';
  before(async () => {
    app = spawnMain({ DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'info' });
    [, url = ''] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/);
  });
  after(async () => {
    app?.child.kill('SIGTERM');
    await app?.exited();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a customer registers, reads the code from the dev SMS log, logs in, refreshes and logs out, then each step answers', async () => {
    const phone = '+963944123456';
    const password = 'Str0ng!Passw0rd';
    const api = (p: string) => `${url}/api/v1${p}`;

    expect((await http(api('/auth/register'), { method: 'POST', json: { phone, password, role: 'customer' } })).status).to.equal(202);
    const [, code] = await app.waitFor(new RegExp(`"to":"\\${phone}"[^\\n]*?(\\d{6})`), 10_000);
    expect((await http(api('/auth/otp/verify'), { method: 'POST', json: { phone, code } })).status).to.equal(200);

    const login = await http(api('/auth/login'), { method: 'POST', json: { identifier: phone, password } });
    expect(login.status).to.equal(200);
    const { accessToken, refreshToken } = login.body.data as { accessToken: string; refreshToken: string };
    expect((await http(api('/auth/me'), { token: accessToken })).body.data.phone).to.equal(phone);

    const refreshed = await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken } });
    expect(refreshed.status).to.equal(200);
    expect(refreshed.body.data.refreshToken).to.not.equal(refreshToken);

    expect((await http(api('/auth/logout'), { method: 'POST', token: refreshed.body.data.accessToken })).status).to.equal(200);
    expect((await http(api('/auth/me'), { token: refreshed.body.data.accessToken })).status).to.equal(401);
    expect((await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken: refreshed.body.data.refreshToken } })).status).to.equal(401);
  });
});
