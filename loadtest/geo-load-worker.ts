/**
 * One load-generator process of the geo benchmark. The same code drives both
 * sides (our nearest search and the GEOSEARCH baseline): `concurrency` closed
 * loops, one Redis connection each, identical seeded query points.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { CourierIndex } from '../geo/index.js';
import { cityPoint, rng } from './geo-fleet.js';

interface Job {
  mode: 'nearest' | 'geosearch';
  port: number;
  prefix: string;
  resolution: number;
  geoKey: string;
  seed: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

/** read()/write() system calls so far (/proc/self/io), to see how well requests are batched. */
function syscalls(): { reads: number; writes: number } {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    return { reads: Number(/syscr: (\d+)/.exec(io)?.[1]), writes: Number(/syscw: (\d+)/.exec(io)?.[1]) };
  } catch {
    return { reads: NaN, writes: NaN };
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] as string) as Job;
  // One auto-pipelined connection per process, `concurrency` requests in flight on it:
  // replies that arrive together are answered with one write, for both sides alike.
  const redis = new Redis(job.port, '127.0.0.1', { enableAutoPipelining: true });
  await redis.ping();
  const index = new CourierIndex({ redis, prefix: job.prefix, resolution: job.resolution });
  const r = rng(job.seed);
  const points = Array.from({ length: 50_000 }, () => cityPoint(r));
  let next = 0;
  const query = async (): Promise<void> => {
    const p = points[next++ % points.length] as { lat: number; lng: number };
    if (job.mode === 'nearest') {
      await index.nearestCouriers({ lat: p.lat, lng: p.lng, radiusM: 3000, limit: 10, filter: { status: 'available' }, maxAgeS: 3600 });
    } else {
      await redis.call('GEOSEARCH', job.geoKey, 'FROMLONLAT', p.lng, p.lat, 'BYRADIUS', 3000, 'm', 'ASC', 'COUNT', 10);
    }
  };

  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const t0 = performance.now();
  const measureFrom = t0 + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const lat: number[] = [];
  let cpu0: NodeJS.CpuUsage | undefined;
  let sys0 = syscalls();
  const cpuTimer = setTimeout(() => {
    cpu0 = process.cpuUsage();
    sys0 = syscalls();
  }, job.warmupMs);
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      for (;;) {
        const s = performance.now();
        if (s >= end) return;
        await query();
        const e = performance.now();
        if (s >= measureFrom && e <= end) lat.push(e - s);
      }
    }),
  );
  clearTimeout(cpuTimer);
  const cpu = process.cpuUsage(cpu0);
  const sys1 = syscalls();
  // generator CPU spent in the measured window (µs), to split client from server cost
  process.send?.({ latencies: lat, durationMs: job.durationMs, cpuUs: cpu.user + cpu.system, reads: sys1.reads - sys0.reads, writes: sys1.writes - sys0.writes });
  redis.disconnect();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
