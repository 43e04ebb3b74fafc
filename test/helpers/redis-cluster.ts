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
  /** REDIS_CLUSTER_NODES for the app: `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  seeds: string;
  /** A connected ioredis Cluster client (closed by stop()). */
  client(): Cluster;
  /** Kills node `i` (SIGKILL, as a crash): its slots have no master until it returns. */
  kill(i: number): Promise<void>;
  /** Starts node `i` again on its port with its cluster config (same id and slots, no data), and waits for cluster_state:ok. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** Why this machine cannot run a Redis Cluster (null when it can): redis-server without cluster support, or no redis-cli. */
export async function clusterSupport(): Promise<string | null> {
  try {
    const { stdout } = await run('redis-server', ['--version']);
    const major = Number(/v=(\d+)/.exec(stdout)?.[1] ?? 0);
    // Sharded pub/sub (SSUBSCRIBE), which the adapter and the position channel use, came with Redis 7.
    if (major < 7) return `redis-server ${major} lacks sharded pub/sub (Redis 7+) for a cluster`;
    await run('redis-cli', ['--version']);
  } catch (err) {
    return `redis-server or redis-cli is missing (${(err as Error).message})`;
  }
  return null;
}

const nodeArgs = (dir: string, i: number) => ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${i}.conf`), '--cluster-node-timeout', '2000'];

async function waitClusterOk(nodes: EmbeddedRedis[], ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const states = await Promise.all(nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info']).then((r) => r.stdout, () => '')));
    if (states.every((s) => s.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error('cluster did not reach cluster_state:ok');
    await new Promise((r) => setTimeout(r, 200));
  }
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
      nodes.push(await startEmbeddedRedis({ extraArgs: nodeArgs(dir, i) }));
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitClusterOk(nodes);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    async kill(i) {
      const node = nodes[i]!;
      const exited = new Promise((r) => (node.process.exitCode !== null ? r(null) : node.process.once('exit', r)));
      node.process.kill('SIGKILL');
      await exited;
    },
    async restart(i) {
      nodes[i] = await startEmbeddedRedis({ port: nodes[i]!.port, extraArgs: nodeArgs(dir, i) });
      await waitClusterOk(nodes);
    },
    client() {
      const c = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { redisOptions: { maxRetriesPerRequest: 1 } });
      clients.push(c);
      return c;
    },
    stop,
  };
}
