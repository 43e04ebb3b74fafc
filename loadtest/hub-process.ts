/**
 * The real hub as `npm run bench:hub` runs it: the app's own boot
 * (`startSystem`, role `hub`) with configuration from the environment the
 * parent sets (private REDIS_URL, a temp DATA_DIR with seeded PGlite, raised
 * fix limits). Only the IPC is added: `{ ready, port, pid }` once listening,
 * `gc` (answered with `{ re: 'gc' }`, when started with --expose-gc) before a
 * memory reading, `loop` (event-loop delay since the last ask), `profile` (serveProfiler in bench-procs.ts), and
 * `stop` for the app's graceful shutdown.
 */
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startSystem } from '../infra/system.js';
import { serveLoopDelay, serveProfiler } from './bench-procs.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const system = await startSystem(config, 'hub', createLogger(config.LOG_LEVEL));
  serveLoopDelay();
  serveProfiler();
  process.send?.({ ready: true, port: system.port, pid: process.pid });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void system.stop().finally(() => process.exit(0));
  };
  process.on('message', (m: unknown) => {
    if (m === 'stop') return stop();
    if ((m as { cmd?: string } | null)?.cmd === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ re: 'gc' });
    }
  });
  process.on('disconnect', stop);
}

main().catch((err: unknown) => {
  console.error('[hub-process] start failed:', err);
  process.exit(1);
});
