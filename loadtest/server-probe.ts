/**
 * Preloaded (`--require`) into every server `npm run bench:hub` measures: the bare relays and the
 * product's hub, whose code stays untouched. It answers the bench over the fork IPC channel:
 *   { cmd: 'probe' }   → { v8Tids, mainTid }: the threads alive when it loaded (V8's platform threads;
 *                         libuv's pool starts later), so the bench can split CPU by thread kind;
 *   { cmd: 'gc' }      → a full collection, then { heapUsedBytes } (for memory per idle socket);
 *   { cmd: 'window' }  → starts a window: resets the event-loop delay and starts a v8.GCProfiler;
 *   { cmd: 'collect' } → ends it: { loop: { p50Ms, p99Ms, maxMs }, gc: GcSummary };
 *   { cmd: 'profile' } → a CPU profile of the window (serveProfiler, BENCH_HUB_CPU_PROF).
 * When the bench goes away, the server gets a SIGTERM: the product's own graceful shutdown.
 */
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { serveProfiler } from './bench-procs.js';
import { summarizeGcProfile, type GcProfileEntry } from './server-readings.js';

const v8Tids = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid);
// The product starts without --expose-gc; the flag can still be turned on from inside, so its command line stays its own.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let profiler: v8.GCProfiler | null = null;
const ms = (ns: number) => Math.round(ns / 1e5) / 10;

process.on('message', (m: unknown) => {
  const cmd = (m as { cmd?: string } | null)?.cmd;
  const reply = (x: object) => process.send?.({ re: cmd, ...x });
  switch (cmd) {
    case 'probe':
      return reply({ v8Tids, mainTid: process.pid });
    case 'gc':
      gc();
      gc();
      return reply({ heapUsedBytes: v8.getHeapStatistics().used_heap_size });
    case 'window':
      profiler?.stop();
      profiler = new v8.GCProfiler();
      profiler.start();
      loop.reset();
      return reply({});
    case 'collect': {
      const stats = (profiler?.stop()?.statistics ?? []) as unknown as GcProfileEntry[];
      profiler = null;
      const out = { loop: { p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) }, gc: summarizeGcProfile(stats) };
      loop.reset();
      return reply(out);
    }
  }
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
serveProfiler();
