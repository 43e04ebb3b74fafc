import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';

const run = promisify(execFile);

export interface TestRedisCluster {
  nodes: EmbeddedRedis[];
  /** A connected ioredis Cluster client (closed by stop()). */
  client(): Cluster;
  stop(): Promise<void>;
}

/**
 * A private 3-master Redis Cluster on loopback: three `redis-server
 * --cluster-enabled yes` processes joined with `redis-cli --cluster create`.
 * Waits for `cluster_state:ok`; stop() ends every node and removes the
 * temporary cluster config files.
 */
export async function startTestRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daraa-cluster-'));
  const nodes: EmbeddedRedis[] = [];
  const clients: Cluster[] = [];
  const stop = async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(await startEmbeddedRedis({ extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${i}.conf`), '--cluster-node-timeout', '2000'] }));
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const states = await Promise.all(nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info']).then((r) => r.stdout)));
      if (states.every((s) => s.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error('cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    client() {
      const c = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { redisOptions: { maxRetriesPerRequest: 1 } });
      clients.push(c);
      return c;
    },
    stop,
  };
}
