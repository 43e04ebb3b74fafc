/**
 * The real hub as `npm run bench:hub` runs it: the app's own boot
 * (`startSystem`, role `hub`) with configuration from the environment the
 * parent sets (private REDIS_URL, a temp DATA_DIR with seeded PGlite, raised
 * fix limits). Only the IPC is added: `{ ready, port, pid }` once listening,
 * `gc` (answered with `{ re: 'gc' }`, when started with --expose-gc) before a
 * memory reading, `loop` (event-loop delay since the last ask), `profile` (start, or stop and write to `file`: a CPU
 * profile of one measurement window, for chrome://inspect or speedscope), and
 * `stop` for the app's graceful shutdown.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startSystem } from '../infra/system.js';
import { serveLoopDelay } from './bench-procs.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const system = await startSystem(config, 'hub', createLogger(config.LOG_LEVEL));
  serveLoopDelay();
  process.send?.({ ready: true, port: system.port, pid: process.pid });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void system.stop().finally(() => process.exit(0));
  };
  const inspector = new Session();
  inspector.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => inspector.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r))));
  process.on('message', (m: unknown) => {
    if (m === 'stop') return stop();
    const msg = (typeof m === 'object' && m !== null ? m : {}) as { cmd?: string; file?: string };
    if (msg.cmd === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ re: 'gc' });
    }
    if (msg.cmd === 'profile') {
      const done = msg.file
        ? post('Profiler.stop').then((r) => writeFileSync(msg.file as string, JSON.stringify((r as { profile: object }).profile)))
        : post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval: 200 })).then(() => post('Profiler.start'));
      void done.then(() => process.send?.({ re: 'profile' }), (err: unknown) => process.send?.({ re: 'profile', error: String(err) }));
    }
  });
  process.on('disconnect', stop);
}

main().catch((err: unknown) => {
  console.error('[hub-process] start failed:', err);
  process.exit(1);
});
