import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnMain, isAlive, redisServersIn } from '../helpers/process.js';
import { http } from '../helpers/app.js';
import { loadConfig } from '../../infra/config.js';
import { AccessTokens } from '../../infra/jwt.js';
import { freePort } from '../../infra/embedded-redis.js';

/** The "done when" of the foundation, exercised on the real entry point as `npm start` runs it. */
describe('npm start on embedded defaults (real process)', function () {
  this.timeout(90_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-e2e-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const adminToken = () => new AccessTokens(loadConfig({ DATA_DIR: dataDir })).sign({ sub: 'e2e-admin', role: 'admin', perms: ['audit:read'], sid: 'e2e' }).token;

  async function startedEntries(url: string): Promise<string[]> {
    for (let i = 0; i < 60; i++) {
      const r = await http(`${url}/api/v1/admin/audit-log?action=system.started&limit=100`, { token: adminToken() });
      if (r.status === 200 && r.body.data.items.length > 0) return (r.body.data.items as { id: string }[]).map((e) => e.id);
      await new Promise((res) => setTimeout(res, 250));
    }
    return [];
  }

  let firstIds: string[] = [];

  it('when started, then it prints the URLs and answers /health, /ready, /metrics, /openapi.json and /docs', async () => {
    const port = await freePort();
    const app = spawnMain({ DATA_DIR: dataDir, PORT: String(port) });
    try {
      const [, url] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/);
      expect(url).to.equal(`http://127.0.0.1:${port}`);
      expect(app.output()).to.include(`${url}/docs`);
      for (const p of ['/health', '/ready', '/metrics', '/openapi.json', '/docs']) {
        expect((await http(`${url}${p}`)).status, p).to.equal(200);
      }
      firstIds = await startedEntries(url as string);
      expect(firstIds).to.have.length(1);
    } finally {
      const redisPid = Number(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8'));
      app.child.kill('SIGINT');
      const exit = await app.exited();
      expect(exit.code, `exit ${JSON.stringify(exit)}; output: ${app.output().slice(-1500)}`).to.equal(0);
      await new Promise((res) => setTimeout(res, 300));
      expect(isAlive(redisPid), 'private redis-server left behind').to.equal(false);
      expect(redisServersIn(path.join(dataDir, 'redis'))).to.deep.equal([]);
    }
  });

  it('when restarted on the same data, then the audit entry written before the restart is still there', async () => {
    const port = await freePort();
    const app = spawnMain({ DATA_DIR: dataDir, PORT: String(port) });
    try {
      const [, url] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/);
      let ids: string[] = [];
      for (let i = 0; i < 40 && ids.length < 2; i++) {
        ids = await startedEntries(url as string);
        if (ids.length < 2) await new Promise((res) => setTimeout(res, 250));
      }
      expect(ids).to.include(firstIds[0]);
      expect(ids).to.have.length(2);
    } finally {
      app.child.kill('SIGTERM');
      const exit = await app.exited();
      expect(exit.code, `exit ${JSON.stringify(exit)}; output: ${app.output().slice(-1500)}`).to.equal(0);
    }
  });

  it('when REDIS_URL points nowhere, then it exits 1 with a message naming Redis', async () => {
    const port = await freePort();
    const app = spawnMain({ DATA_DIR: dataDir, PORT: '0', REDIS_URL: `redis://127.0.0.1:${port}` });
    const exit = await app.exited(30_000);
    expect(exit.code).to.equal(1);
    expect(app.output()).to.match(/cannot reach Redis/);
  });

  it('when DATABASE_URL points nowhere, then it exits 1 with a message naming the database, and no redis-server is left', async () => {
    const port = await freePort();
    const app = spawnMain({ DATA_DIR: dataDir, PORT: '0', DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none` });
    const exit = await app.exited(30_000);
    expect(exit.code).to.equal(1);
    expect(app.output()).to.match(/cannot open the database, PostgreSQL \(DATABASE_URL\)/);
    expect(redisServersIn(path.join(dataDir, 'redis'))).to.deep.equal([]);
  });

  it('when a setting is invalid, then it exits 1 naming the variable', async () => {
    const app = spawnMain({ DATA_DIR: dataDir, PORT: 'not-a-port' });
    expect((await app.exited()).code).to.equal(1);
    expect(app.output()).to.match(/PORT/);
  });
});
