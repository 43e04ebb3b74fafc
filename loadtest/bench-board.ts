/**
 * `npm run bench:board` (`-- --quick` for a short run): the ops board in headless chromium while 5,000
 * couriers stream one fix a second each through the real app, and what it costs the page.
 *
 *  0. a private redis-server and a temp DATA_DIR; `seedWith` (scripts/seed.ts) creates the verified
 *     couriers and their sessions, plus one super admin for the board;
 *  1. the app as `npm start` runs it (all roles, one process), the board opened in Debian's chromium
 *     (the browser tests' launcher and login form); the couriers' loops are placed inside the H3
 *     cells the board subscribes to, so every courier is in view;
 *  2. one generator process (loadtest/hub-load-worker.ts, as bench:hub uses it) connects every
 *     courier on /courier (a real socket each, `courier:online`) and sends 1 fix/s per courier;
 *  3. once the board shows the fleet, a window of WINDOW_S: in the page, requestAnimationFrame
 *     intervals (frame times), PerformanceObserver long tasks, the board's own `ops:apply` measures
 *     (the snapshot handler and the per-frame map update), and over CDP the renderer main thread's
 *     busy time (`TaskDuration`: parsing, scripts, layout, MapLibre's rendering) per update batch.
 *
 * Writes loadtest/results/board.json (board.partial.tmp.json with a BOARD_* knob set).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cellToLatLng, latLngToCell, getResolution } from 'h3-js';
import { loadConfig } from '../infra/config.js';
import { startEmbeddedRedis } from '../infra/embedded-redis.js';
import { seedWith, withSeedContainer, SEED_PASSWORD, seedPhone } from '../scripts/seed.js';
import { launchBrowser, signInOnPage } from '../test/helpers/browser.js';
import { Generators } from './bench-measure.js';
import { startServer, sleep, type Child } from './bench-procs.js';
import type { Fleet } from './hub-fleet.js';
import { parseNodeScript } from './hub-process.js';

const env = process.env;
const QUICK = process.argv.includes('--quick');
const num = (k: string, full: number, quick: number) => Number(env[k] ?? (QUICK ? quick : full));
const CFG = {
  couriers: num('BOARD_COURIERS', 5_000, 5_000),
  windowS: num('BOARD_WINDOW_S', 30, 10),
  warmS: num('BOARD_WARM_S', 8, 5),
  /** The board must show this share of the fleet before the window opens (a courier mid-connect may be missing). */
  minShownShare: 0.98,
};
const PARTIAL = ['BOARD_COURIERS', 'BOARD_WINDOW_S', 'BOARD_WARM_S'].some((k) => env[k]);
const ADMIN_PHONE = seedPhone('admin', 1);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (s: string) => console.log(`[bench:board ${new Date().toISOString().slice(11, 19)}] ${s}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number) : NaN;
};

/** Loop centres spread over the board's cells, each loop (150 m radius) well inside the subscribed set. */
function placeInCells(n: number, cells: string[]): { lat: number; lng: number }[] {
  const set = new Set(cells);
  const res = getResolution(cells[0] as string);
  const centres = cells.map((c) => cellToLatLng(c));
  const lats = centres.map((c) => c[0]);
  const lngs = centres.map((c) => c[1]);
  const box = { s: Math.min(...lats) - 0.05, n: Math.max(...lats) + 0.05, w: Math.min(...lngs) - 0.05, e: Math.max(...lngs) + 0.05 };
  const d = 0.003; // ~300 m: the loop and then some
  const inside = (lat: number, lng: number) => [[0, 0], [d, 0], [-d, 0], [0, d], [0, -d]].every(([a, b]) => set.has(latLngToCell(lat + (a as number), lng + (b as number), res)));
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: { lat: number; lng: number }[] = [];
  while (out.length < n) {
    const lat = box.s + rand() * (box.n - box.s);
    const lng = box.w + rand() * (box.e - box.w);
    if (inside(lat, lng)) out.push({ lat: round(lat, 6), lng: round(lng, 6) });
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  log(`${CFG.couriers} couriers at 1 fix/s, window ${CFG.windowS} s; load average ${loadBefore.join(' ')}`);
  const redis = await startEmbeddedRedis();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-bench-board-'));
  const appEnv: NodeJS.ProcessEnv = { ...env, NODE_ENV: 'development', DATA_DIR: dataDir, REDIS_URL: redis.url, LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn', RATE_LIMIT_STRICT_PER_15MIN: '1000' };
  let app: Child | undefined;
  let gens: Generators | undefined;
  const browser = await launchBrowser();
  try {
    const t0 = Date.now();
    const config = loadConfig({ ...appEnv, PORT: '0', ACCESS_TOKEN_TTL_S: String(6 * 3600) });
    const seeded = await withSeedContainer(config, {}, async (c) => {
      const s = await seedWith(c, { couriers: CFG.couriers, customers: 0, log: (x) => log(`seed: ${x}`) });
      await c.createAdmin.execute({ phone: ADMIN_PHONE, email: 'board-bench@daraa.test', name: 'Board bench', password: SEED_PASSWORD, adminRole: 'super_admin' });
      return s;
    });
    log(`seeded ${seeded.couriers.length} couriers in ${round((Date.now() - t0) / 1000)} s`);

    const start = parseNodeScript((JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '');
    if (!start) throw new Error('package.json has no start script running node');
    app = await startServer(path.join(__dirname, '..', start.entry), { env: { ...appEnv, ...start.env }, execArgv: start.nodeArgs.includes('tsx/cjs') ? start.nodeArgs : [...start.nodeArgs, '--require', 'tsx/cjs'], readyPath: '/ready' });
    const url = `http://127.0.0.1:${app.port}`;
    log(`app (npm start's command) on ${url}, pid ${app.pid}`);

    const ctx = await browser.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${url}/ops`);
    await signInOnPage(page, ADMIN_PHONE, SEED_PASSWORD);
    await page.waitForFunction(() => ((globalThis as any).daraa?.cells?.() ?? []).length > 0, undefined, { timeout: 30_000 });
    const cells = (await page.evaluate(() => (globalThis as any).daraa.cells())) as string[];
    log(`the board subscribes to ${cells.length} cells (res ${getResolution(cells[0] as string)})`);

    const places = placeInCells(seeded.couriers.length, cells);
    const fleet: Fleet = { couriers: seeded.couriers.map((c, i) => ({ ...c, ...(places[i] as { lat: number; lng: number }) })), watchers: [] };
    const fleetFile = path.join(dataDir, 'fleet.json');
    writeFileSync(fleetFile, JSON.stringify(fleet));
    gens = await Generators.start(1, fleetFile);
    const [connected] = await gens.all<{ connected: number; failed: number; errors: Record<string, number>; ms: number }>({ cmd: 'connect', id: 'connect', side: 'board', url, kind: 'couriers' });
    log(`${connected?.connected} couriers online in ${round((connected?.ms ?? 0) / 1000)} s${connected?.failed ? `, ${connected.failed} failed ${JSON.stringify(connected.errors)}` : ''}`);
    await gens.all({ cmd: 'rate', side: 'board', perCourierPerS: 1 });

    const shown = () => page.evaluate(() => (globalThis as any).daraa.liveMap.data('couriers').features.length as number);
    const want = Math.floor((connected?.connected ?? 0) * CFG.minShownShare);
    const deadline = Date.now() + 60_000;
    while ((await shown()) < want) {
      if (Date.now() > deadline) throw new Error(`the board shows ${await shown()} couriers, wanted ${want}`);
      await sleep(500);
    }
    log(`the board shows ${await shown()} couriers; warming ${CFG.warmS} s`);
    await sleep(CFG.warmS * 1000);

    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskS = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN);
    await gens.all({ cmd: 'window' });
    const loadAtWindow = os.loadavg().map((x) => round(x, 2));
    const task0 = await taskS();
    const inPage = await page.evaluate(async (ms: number) => {
      // In the page: its DOM globals, untyped here (the bench compiles against Node's types).
      const w = globalThis as any;
      const d = w.daraa;
      const batches0 = d.batches() as number;
      performance.clearMeasures();
      const longTasks: number[] = [];
      const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
      obs.observe({ type: 'longtask' as 'mark' });
      const frames: number[] = [];
      await new Promise<void>((resolve) => {
        let last = performance.now();
        const end = last + ms;
        const frame = (t: number) => {
          frames.push(t - last);
          last = t;
          if (t < end) w.requestAnimationFrame(frame);
          else resolve();
        };
        w.requestAnimationFrame(frame);
      });
      obs.disconnect();
      const apply = performance.getEntriesByName('ops:apply', 'measure').map((m) => m.duration);
      return { frames, longTasks, apply, batches: (d.batches() as number) - batches0, shown: d.liveMap.data('couriers').features.length as number };
    }, CFG.windowS * 1000);
    const task1 = await taskS();
    const [sent] = await gens.all<{ sent: number; ms: number; shortfall: number; loopDelayP99Ms: number }>({ cmd: 'collect' });
    const loadAfter = os.loadavg().map((x) => round(x, 2));

    const frames = inPage.frames.slice(1);
    const medianFrameMs = pct(frames, 50);
    const batches = Math.max(1, inPage.batches);
    const out = {
      couriers: connected?.connected ?? 0,
      medianFps: round(1000 / medianFrameMs),
      p95FrameMs: round(pct(frames, 95)),
      mainThreadMsPerBatch: round(((task1 - task0) * 1000) / batches),
      applyMsPerBatch: round(inPage.apply.reduce((a, x) => a + x, 0) / batches, 2),
      applyP95Ms: round(pct(inPage.apply, 95), 2),
      longTasks: { count: inPage.longTasks.length, totalMs: round(inPage.longTasks.reduce((a, x) => a + x, 0)), maxMs: round(Math.max(0, ...inPage.longTasks)) },
      batches: inPage.batches,
      batchesPerS: round(inPage.batches / CFG.windowS, 2),
      frames: frames.length,
      shownOnMap: inPage.shown,
      fixesPerS: round(((sent?.sent ?? 0) * 1000) / (sent?.ms || 1)),
      generator: { shortfall: sent?.shortfall ?? 0, loopDelayP99Ms: sent?.loopDelayP99Ms ?? null },
      targets: { medianFps: { target: '>= 30', met: 1000 / medianFrameMs >= 30 } },
      loadAverage: { before: loadBefore, window: loadAtWindow, after: loadAfter },
      pageErrors: problems,
      config: { ...CFG, mode: QUICK ? 'quick' : 'full', viewport: '1280x800', cells: cells.length, chromium: '/usr/bin/chromium --headless --disable-gpu (software WebGL)', app: 'npm start command, all roles in one process', feed: '1 generator process, one /courier socket per courier, 1 fix/s each' },
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      measures: {
        medianFps: '1000 / median requestAnimationFrame interval over the window',
        p95FrameMs: '95th percentile requestAnimationFrame interval',
        mainThreadMsPerBatch: 'the renderer main thread busy time (CDP Performance TaskDuration: socket parse, scripts, style, MapLibre rendering) over the window / ops:snapshot batches received',
        applyMsPerBatch: "the board's own ops:apply measures (snapshot handler + the frame's map update) / batches",
      },
      durationS: round((Date.now() - started) / 1000),
      timestamp: new Date().toISOString(),
    };
    const file = path.join(__dirname, 'results', PARTIAL ? 'board.partial.tmp.json' : QUICK ? 'board-quick.tmp.json' : 'board.json');
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    log(`median ${out.medianFps} fps, p95 frame ${out.p95FrameMs} ms, main thread ${out.mainThreadMsPerBatch} ms per batch (apply ${out.applyMsPerBatch} ms), ${out.batches} batches, ${out.shownOnMap} couriers shown, ${out.fixesPerS} fixes/s`);
    log(`written to ${path.relative(process.cwd(), file)}; load average ${loadBefore.join(' ')} → ${loadAfter.join(' ')}`);
    await ctx.close();
  } finally {
    await gens?.stop();
    await app?.stop();
    await browser.close();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
