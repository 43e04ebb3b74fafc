import { expect } from 'chai';
import { mkdtempSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../../infra/embedded-redis.js';

describe('embedded redis-server', () => {
  it('when started with a data dir, then it persists with AOF across a restart and stops cleanly', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'daraa-redis-'));
    const first = await startEmbeddedRedis({ dataDir: dir });
    expect(first.port).to.not.equal(6379);
    const c1 = new Redis(first.url);
    expect(await c1.config('GET', 'maxmemory-policy')).to.deep.equal(['maxmemory-policy', 'noeviction']);
    await c1.set('k', 'v');
    c1.disconnect();
    await first.stop();
    expect(() => process.kill(first.pid, 0)).to.throw();
    expect(existsSync(path.join(dir, 'appendonlydir'))).to.equal(true);

    const second = await startEmbeddedRedis({ dataDir: dir });
    const c2 = new Redis(second.url);
    expect(await c2.get('k')).to.equal('v');
    c2.disconnect();
    await second.stop();
  });
});
