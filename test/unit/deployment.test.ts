import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');

/** The compose CLI on this machine: `docker compose` (v2) or `docker-compose` (v1). */
function composeCli(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['--version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}

describe('deployment files', () => {
  it('when compose validates docker-compose.yml, then it accepts it with mongo, redis, api, hub and worker', function () {
    const cli = composeCli();
    if (!cli) {
      console.log('      ↷ skipped: neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)');
      this.skip();
    }
    const [cmd, ...pre] = cli as [string, ...string[]];
    const r = spawnSync(cmd, [...pre, 'config'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(r.status, r.stderr).to.equal(0);
    for (const svc of ['mongo:', 'redis:', 'api:', 'hub:', 'worker:']) expect(r.stdout).to.include(svc);
    expect(r.stdout).to.include('--replSet');
    expect(r.stdout).to.include('noeviction');
  });

  it('when the cluster profile is read, then three cluster nodes, a create job, two hubs, an api and a worker run on REDIS_CLUSTER_NODES', function () {
    const doc = parseYaml(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { profiles?: string[]; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> }> };
    const inCluster = Object.entries(doc.services).filter(([, s]) => s.profiles?.includes('cluster'));
    const nodes = inCluster.filter(([, s]) => s.command?.includes('--cluster-enabled'));
    expect(nodes.map(([n]) => n)).to.deep.equal(['redis-c1', 'redis-c2', 'redis-c3']);
    for (const [name, s] of nodes) expect(s.command).to.include.members(['--cluster-announce-hostname', name, 'noeviction']);
    expect(doc.services['redis-cluster-create']?.command?.join(' ')).to.include('--cluster create redis-c1:6379 redis-c2:6379 redis-c3:6379');
    const roles = inCluster.filter(([, s]) => s.environment?.ROLE).map(([, s]) => s.environment!);
    expect(roles.map((e) => e.ROLE).sort()).to.deep.equal(['api', 'hub', 'hub', 'worker']);
    for (const e of roles) {
      expect(e.REDIS_CLUSTER_NODES).to.equal('redis-c1:6379,redis-c2:6379,redis-c3:6379');
      expect(e.REDIS_URL).to.equal(''); // loadConfig treats an empty variable as unset
    }
    // the default stack is untouched by the profile
    for (const svc of ['mongo', 'redis', 'api', 'hub', 'worker']) expect(doc.services[svc]?.profiles).to.equal(undefined);
    const cli = composeCli();
    if (cli) {
      const [cmd, ...pre] = cli as [string, ...string[]];
      const r = spawnSync(cmd, [...pre, '--profile', 'cluster', 'config'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.include('hub-b:');
    }
  });

  it('when pm2 reads ecosystem.config.js, then api and hub run in cluster mode and workers apart, on the built code', () => {
    const eco = require(path.join(ROOT, 'ecosystem.config.js')) as { apps: { name: string; exec_mode: string; script: string; env: { ROLE: string } }[] };
    const byRole = Object.fromEntries(eco.apps.map((a) => [a.env.ROLE, a]));
    expect(byRole.api?.exec_mode).to.equal('cluster');
    expect(byRole.hub?.exec_mode).to.equal('cluster');
    expect(byRole.worker?.exec_mode).to.equal('fork');
    expect(eco.apps.every((a) => a.script === 'dist/infra/main.js')).to.equal(true);
  });

  it('when the app is started any way (npm start, start:prod, pm2, Docker), then it runs with the same Node flags', () => {
    const { NODE_ARGS } = require(path.join(ROOT, 'ecosystem.config.js')) as { NODE_ARGS: string };
    const flags = NODE_ARGS.split(' ');
    expect(flags).to.include.members(['--min-semi-space-size=64', '--max-semi-space-size=64']);
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const flagsOf = (cmd: string) => cmd.split(/\s+/).filter((w) => w.startsWith('--') && w !== '--require');
    expect(flagsOf(scripts.start ?? '')).to.deep.equal(flags);
    expect(flagsOf(scripts['start:prod'] ?? '')).to.deep.equal(flags);
    expect(flagsOf(scripts['start:hub'] ?? '')).to.deep.equal(flags);
    expect(scripts['start:hub']).to.match(/^ROLE=hub /);
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(flagsOf((JSON.parse(cmd ?? '[]') as string[]).join(' '))).to.deep.equal(flags);
  });

  it('when the Dockerfile is read, then it is multi-stage and runs as a non-root user', () => {
    const df = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(df.match(/^FROM /gm)?.length).to.be.greaterThan(1);
    expect(df).to.match(/^USER node$/m);
  });

  it('when .env.example is read, then it documents every setting the config accepts', () => {
    const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const configSrc = readFileSync(path.join(ROOT, 'infra/config.ts'), 'utf8');
    const keys = [...configSrc.matchAll(/^\s{4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(keys.length).to.be.greaterThan(20);
    const missing = keys.filter((k) => !new RegExp(`^${k}=`, 'm').test(example));
    expect(missing).to.deep.equal([]);
  });
});
