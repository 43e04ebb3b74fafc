/**
 * Idle memory of a hub-only process against the all-in-one process, both
 * started from the real entry point (infra/main.ts) with the production Node
 * flags (ecosystem.config.js NODE_ARGS), on one private redis-server and one
 * database (PostgreSQL when reachable, in a schema of their own; otherwise
 * PGlite each). Each process settles for SETTLE_MS after it is up, then
 * collects garbage twice and reports process.memoryUsage()
 * (loadtest/memory-probe.cjs, on SIGUSR2). Rounds alternate hub, all, hub,
 * all…, and the medians are reported.
 *
 *   npm run bench:roles      # writes loadtest/results/roles.json
 *
 * Env: BENCH_ROUNDS (3), BENCH_SETTLE_MS (3000), BENCH_PG (postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedRedis } from '../infra/embedded-redis.js';
import { openPostgres } from '../infra/db/sql/postgres.js';

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 3_000);
const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const { NODE_ARGS } = require(path.join(ROOT, 'ecosystem.config.js')) as { NODE_ARGS: string };
const MB = 1024 * 1024;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const loadAverage = () => os.loadavg().map((x) => round(x, 2));

interface Sample {
  heapUsedMB: number;
  heapTotalMB: number;
  rssMB: number;
  externalMB: number;
  startMs: number;
}

async function sample(role: 'hub' | 'all', env: Record<string, string>): Promise<Sample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `daraa-bench-${role}-`));
  const probe = path.join(dir, 'memory.json');
  const t0 = Date.now();
  const child = spawn(process.execPath, [...NODE_ARGS.split(' '), '--expose-gc', '--require', path.join(ROOT, 'loadtest/memory-probe.cjs'), '--require', 'tsx/cjs', 'infra/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'development', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, MEMORY_PROBE_FILE: probe, ...(role === 'hub' ? { ROLE: 'hub' } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  try {
    for (let waited = 0; !/is up/.test(out); waited += 100) {
      if (child.exitCode !== null || waited > 120_000) throw new Error(`${role} did not start:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const startMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    child.kill('SIGUSR2');
    for (let waited = 0; !existsSync(probe); waited += 50) {
      if (waited > 10_000) throw new Error(`${role} wrote no memory probe`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 50)); // the write is synchronous; let it land
    const m = JSON.parse(readFileSync(probe, 'utf8')) as NodeJS.MemoryUsage;
    return { heapUsedMB: round(m.heapUsed / MB), heapTotalMB: round(m.heapTotal / MB), rssMB: round(m.rss / MB), externalMB: round(m.external / MB), startMs };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const redis = await startEmbeddedRedis();
  const schema = `bench_roles_${randomBytes(4).toString('hex')}`;
  const pg = await openPostgres({ url: PG, schema, max: 1 }).catch(() => null);
  const env: Record<string, string> = { REDIS_URL: redis.url, JWT_SECRET: randomBytes(32).toString('hex'), ...(pg ? { DATABASE_URL: PG, DATABASE_SCHEMA: schema } : {}) };
  const before = loadAverage();
  const samples: Record<'hub' | 'all', Sample[]> = { hub: [], all: [] };
  try {
    // The all-in-one runs first once, so the schema exists before the first hub round is timed.
    if (pg) await sample('all', env);
    for (let i = 0; i < ROUNDS; i++) {
      for (const role of ['hub', 'all'] as const) {
        const s = await sample(role, env);
        samples[role].push(s);
        console.log(`round ${i + 1} ${role.padEnd(3)}  heap ${s.heapUsedMB} MB  rss ${s.rssMB} MB  (up in ${s.startMs} ms, load ${loadAverage().join(' ')})`);
      }
    }
  } finally {
    if (pg) {
      await pg.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await pg.close();
    }
    await redis.stop();
  }
  const summary = (role: 'hub' | 'all') => ({
    heapUsedMB: median(samples[role].map((s) => s.heapUsedMB)),
    heapTotalMB: median(samples[role].map((s) => s.heapTotalMB)),
    rssMB: median(samples[role].map((s) => s.rssMB)),
    externalMB: median(samples[role].map((s) => s.externalMB)),
    startMs: median(samples[role].map((s) => s.startMs)),
  });
  const hub = summary('hub');
  const all = summary('all');
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    nodeArgs: NODE_ARGS,
    store: pg ? 'postgres' : 'pglite',
    rounds: ROUNDS,
    settleMs: SETTLE_MS,
    method: 'real entry point per role, idle after start, two forced GCs, process.memoryUsage(); medians over alternating rounds',
    hub,
    all,
    ratios: { heapHubOverAll: round(hub.heapUsedMB / all.heapUsedMB, 2), rssHubOverAll: round(hub.rssMB / all.rssMB, 2) },
    target: { heapHubOverAll: '<= 0.5' },
    samples,
    loadAverage: { before, after: loadAverage() },
  };
  mkdirSync(path.join(ROOT, 'loadtest/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'loadtest/results/roles.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`hub heap ${hub.heapUsedMB} MB vs all ${all.heapUsedMB} MB: ratio ${result.ratios.heapHubOverAll}; rss ${hub.rssMB} vs ${all.rssMB} MB: ratio ${result.ratios.rssHubOverAll}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
