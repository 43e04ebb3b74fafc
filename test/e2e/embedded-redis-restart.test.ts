import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnMain, isAlive, redisServersIn } from '../helpers/process.js';
import { http } from '../helpers/app.js';
import { freePort } from '../../infra/embedded-redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisPid = (dataDir: string) => Number(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8').trim());

async function statusWithin(url: string, want: number, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let last = 0;
  while (Date.now() < end) {
    last = (await http(url).catch(() => ({ status: 0 }))).status;
    if (last === want) return last;
    await sleep(100);
  }
  return last;
}

/** The private redis-server of `npm start` is supervised: restarted with backoff, and the process gives up loudly. */
describe('npm start: the embedded redis-server is supervised (real process)', function () {
  this.timeout(150_000);
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'daraa-sup-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('when the redis-server is killed, then it is restarted on the same port, the restart is logged, and /ready recovers', async () => {
    const dataDir = tempDir();
    const app = spawnMain({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    try {
      const [, url] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/, 60_000);
      expect(await statusWithin(`${url}/ready`, 200, 10_000)).to.equal(200);
      const first = redisPid(dataDir);
      process.kill(first, 'SIGKILL');
      expect(await statusWithin(`${url}/ready`, 200, 20_000), app.output().slice(-2000)).to.equal(200);
      const second = redisPid(dataDir);
      expect(second).to.not.equal(first);
      expect(isAlive(second)).to.equal(true);
      expect(app.output()).to.match(/embedded redis-server exited/);
      expect(app.output()).to.match(/embedded redis-server restarted/);
      expect((await http(`${url}/health`)).status).to.equal(200);

      // and again: every death is supervised, not only the first
      process.kill(second, 'SIGKILL');
      expect(await statusWithin(`${url}/ready`, 200, 20_000)).to.equal(200);
      expect(redisPid(dataDir)).to.not.equal(second);
    } finally {
      app.child.kill('SIGTERM');
      expect((await app.exited()).code).to.equal(0);
    }
    await sleep(300);
    expect(redisServersIn(path.join(dataDir, 'redis'))).to.deep.equal([]);
  });

  it('when the redis-server cannot come back (its port is taken), then the process says so and exits non-zero so pm2 or systemd can act', async () => {
    const dataDir = tempDir();
    const app = spawnMain({ DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_REDIS_RESTART_ATTEMPTS: '2', EMBEDDED_REDIS_RESTART_DELAY_MS: '3000' });
    const squatter = net.createServer();
    try {
      await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/, 60_000);
      const pid = redisPid(dataDir);
      // redis-server retitles itself "redis-server 127.0.0.1:<port>"
      const port = Number(/:(\d+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1]);
      expect(port).to.be.greaterThan(0);
      process.kill(pid, 'SIGKILL');
      for (let i = 0; ; i++) {
        const bound = await new Promise<boolean>((res) => {
          squatter.once('error', () => res(false));
          squatter.listen(port, '127.0.0.1', () => res(true));
        });
        if (bound) break;
        // The supervisor pauses 3 s before its restart (EMBEDDED_REDIS_RESTART_DELAY_MS), so the port is free for the taking.
        if (i > 100) throw new Error(`could not take port ${port}`);
        await sleep(5);
      }
      const exit = await app.exited(60_000);
      expect(exit.code, app.output().slice(-2000)).to.equal(1);
      expect(app.output()).to.match(/embedded redis-server could not be restarted/);
    } finally {
      squatter.close();
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  });
});
