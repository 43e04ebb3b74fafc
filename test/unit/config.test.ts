import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../infra/config.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'daraa-cfg-'));

describe('config', () => {
  it('when nothing is set, then embedded defaults apply and a dev secret is generated and kept', () => {
    const dir = tmp();
    const a = loadConfig({ DATA_DIR: dir });
    expect(a.PORT).to.equal(3000);
    expect(a.REDIS_URL).to.equal(undefined);
    expect(a.JWT_SECRET.length).to.be.greaterThan(32);
    expect(loadConfig({ DATA_DIR: dir }).JWT_SECRET).to.equal(a.JWT_SECRET);
  });

  it('when PORT is not a number, then the error names PORT', () => {
    expect(() => loadConfig({ DATA_DIR: tmp(), PORT: 'abc' })).to.throw(ConfigError, /PORT/);
  });

  it('when REDIS_URL is not a redis URL, then the error names REDIS_URL', () => {
    expect(() => loadConfig({ DATA_DIR: tmp(), REDIS_URL: 'http://x' })).to.throw(ConfigError, /REDIS_URL/);
  });

  it('when REDIS_CLUSTER_NODES is set, then it is a list of host:port; with REDIS_URL too, or malformed, the error names it', () => {
    expect(loadConfig({ DATA_DIR: tmp(), REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,r3:7002' }).REDIS_CLUSTER_NODES).to.deep.equal(['r1:7000', 'r2:7001', 'r3:7002']);
    expect(() => loadConfig({ DATA_DIR: tmp(), REDIS_CLUSTER_NODES: 'r1' })).to.throw(ConfigError, /REDIS_CLUSTER_NODES/);
    expect(() => loadConfig({ DATA_DIR: tmp(), REDIS_CLUSTER_NODES: 'r1:7000', REDIS_URL: 'redis://x:6379' })).to.throw(ConfigError, /REDIS_CLUSTER_NODES.*only one/);
  });

  it('when REDIS_KEY_PREFIX would break a Redis Cluster hash tag or a key, then the error names it; unset, it is daraa:', () => {
    for (const bad of ['{x}:', 'acme', 'a b:']) expect(() => loadConfig({ DATA_DIR: tmp(), REDIS_KEY_PREFIX: bad }), bad).to.throw(ConfigError, /REDIS_KEY_PREFIX/);
    expect(loadConfig({ DATA_DIR: tmp() }).REDIS_KEY_PREFIX).to.equal('daraa:');
    expect(loadConfig({ DATA_DIR: tmp(), REDIS_KEY_PREFIX: 'acme-eu:' }).REDIS_KEY_PREFIX).to.equal('acme-eu:');
  });

  it('when production lacks secrets and stores, then every missing variable is named', () => {
    try {
      loadConfig({ NODE_ENV: 'production', DATA_DIR: tmp() });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).to.match(/JWT_SECRET/).and.match(/REDIS_URL/).and.match(/MONGODB_URI/);
    }
  });

  it('when both MONGODB_URI and DATABASE_URL are set, then it refuses to guess', () => {
    expect(() => loadConfig({ DATA_DIR: tmp(), MONGODB_URI: 'mongodb://x/db', DATABASE_URL: 'postgres://x/db' })).to.throw(/DATABASE_URL/);
  });

  it('when CORS_ORIGINS is a list, then it is split and trimmed', () => {
    expect(loadConfig({ DATA_DIR: tmp(), CORS_ORIGINS: 'https://a.example, https://b.example' }).CORS_ORIGINS).to.deep.equal([
      'https://a.example',
      'https://b.example',
    ]);
  });
});
