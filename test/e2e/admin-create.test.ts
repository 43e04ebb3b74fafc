import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnMain, ROOT } from '../helpers/process.js';
import { http } from '../helpers/app.js';
import { freePort, startEmbeddedRedis } from '../../infra/embedded-redis.js';

const PASSWORD = 'Adm1n!secret-pass';

/** Runs `npm run admin:create` as a user would, without a terminal (stdin is a pipe that closes at once). */
function adminCreate(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'scripts/admin-create.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`admin:create did not exit within 60 s:\n${out}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm run admin:create (real processes)', function () {
  this.timeout(240_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-admin-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when there is no terminal and fields are missing, then it exits non-zero naming every missing field and creates nothing', async () => {
    const r = await adminCreate(['--phone', '+14155550100'], { DATA_DIR: dataDir });
    expect(r.code, r.out).to.equal(2);
    expect(r.out).to.match(/--email/);
    expect(r.out).to.match(/--name/);
    expect(r.out).to.match(/DARAA_ADMIN_PASSWORD/);
    expect(r.out).to.not.match(/--phone/);
    expect(r.out).to.not.match(/admin created/);
  });

  it('when `npm start` runs on the embedded store, then it refuses with the seed\'s message and exits 1; once the app is stopped it creates the admin, who can log in after a restart', async () => {
    const port = await freePort();
    const app = spawnMain({ DATA_DIR: dataDir, PORT: String(port) });
    await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/, 60_000);
    const flags = ['--phone', '+14155550101', '--email', 'ops@example.com', '--name', 'Ops', '--admin-role', 'super_admin'];
    try {
      const refused = await adminCreate(flags, { DATA_DIR: dataDir, DARAA_ADMIN_PASSWORD: PASSWORD });
      expect(refused.code, refused.out).to.equal(1);
      expect(refused.out).to.match(/an app is running on DATA_DIR=.*Stop `npm start`, run `npm run admin:create`, start it again/s);
      expect(refused.out).to.not.match(/admin created/);
    } finally {
      app.child.kill('SIGTERM');
      expect((await app.exited()).code).to.equal(0);
    }

    const created = await adminCreate(flags, { DATA_DIR: dataDir, DARAA_ADMIN_PASSWORD: PASSWORD });
    expect(created.code, created.out).to.equal(0);
    expect(created.out).to.match(/admin created: id=\S+ phone=\+14155550101 role=super_admin/);

    const again = spawnMain({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    try {
      const [, url] = await again.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/, 60_000);
      const login = await http(`${url}/api/v1/auth/login`, { method: 'POST', json: { identifier: '+14155550101', password: PASSWORD } });
      expect(login.status, JSON.stringify(login.body)).to.equal(200);
      expect(login.body.data.account.role).to.equal('admin');
    } finally {
      again.child.kill('SIGTERM');
      await again.exited();
    }
  });

  it('when `npm start` runs on the embedded PGlite with an external Redis, then it still refuses (the PGlite lock file names the other process)', async () => {
    const redis = await startEmbeddedRedis();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'daraa-admin-'));
    const app = spawnMain({ DATA_DIR: dir, PORT: String(await freePort()), REDIS_URL: redis.url });
    try {
      await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/, 60_000);
      const refused = await adminCreate(['--phone', '+14155550102', '--email', 'b@example.com', '--name', 'B'], { DATA_DIR: dir, REDIS_URL: redis.url, DARAA_ADMIN_PASSWORD: PASSWORD });
      expect(refused.code, refused.out).to.equal(1);
      expect(refused.out).to.match(/PGlite store .* is open in another process/);
      expect(refused.out).to.match(/npm run admin:create/);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
