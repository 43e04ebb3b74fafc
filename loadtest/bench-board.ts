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
import { latLngToCell, getResolution } from 'h3-js';
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
  /** MapLibre zoom of the board (512 px tiles): 11 shows ~25 × 25 km of the 1280 × 800 page, ~30 res-6 cells, so no cell passes the hub's 500 couriers per area. */
  zoom: num('BOARD_ZOOM', 11, 11),
  /** The board must show this share of the fleet before the window opens (a courier mid-connect may be missing). */
  minShownShare: 0.98,
};
/** BOARD_PROFILE=1: a CPU profile of the page's window (results/board-page.tmp.cpuprofile) and its top functions. */
const PROFILE = Boolean(env.BOARD_PROFILE);
const PARTIAL = ['BOARD_COURIERS', 'BOARD_WINDOW_S', 'BOARD_WARM_S', 'BOARD_ZOOM'].some((k) => env[k]);
const ADMIN_PHONE = seedPhone('admin', 1);
/** The app's own output (warnings while 5,000 sockets connect and leave): kept out of the report, gitignored. */
const SERVER_LOG = path.join(__dirname, 'results', 'bench-board-server.tmp.log');
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (s: string) => console.log(`[bench:board ${new Date().toISOString().slice(11, 19)}] ${s}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number) : NaN;
};

/** Loop centres spread evenly over the board's view (inset by the loop and then some), each inside a subscribed cell. */
function placeInView(n: number, bounds: [number, number, number, number], cells: string[]): { lat: number; lng: number }[] {
  const set = new Set(cells);
  const res = getResolution(cells[0] as string);
  const d = 0.004; // ~400 m: the 150 m loop and then some
  const [w, s, e, north] = bounds;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: { lat: number; lng: number }[] = [];
  while (out.length < n) {
    const lat = s + d + rand() * (north - s - 2 * d);
    const lng = w + d + rand() * (e - w - 2 * d);
    if (set.has(latLngToCell(lat, lng, res))) out.push({ lat: round(lat, 6), lng: round(lng, 6) });
  }
  return out;
}

/** The functions with the most self time in a CDP CPU profile, as `name (file) ms`. */
function topSelf(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[]; samples?: number[]; timeDeltas?: number[] }, n = 12): string[] {
  const byNode = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    const key = `${node.callFrame.functionName || '(anon)'} (${path.basename(node.callFrame.url) || '-'}:${node.callFrame.lineNumber})`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  return [...byFn].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${k} ${Math.round(us / 1000)} ms`);
}

/**
 * The window, run in the page: requestAnimationFrame intervals, long tasks, the board's `ops:apply`
 * measures and its batch count. A string, not a function: tsx would wrap a function's inner closures
 * in a helper (`__name`) the page does not have.
 */
const MEASURE_IN_PAGE = `(async () => {
  const d = window.daraa;
  const batches0 = d.batches();
  performance.clearMeasures();
  const longTasks = [];
  const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  obs.observe({ type: 'longtask' });
  const frames = [];
  await new Promise((resolve) => {
    let last = performance.now();
    const end = last + WINDOW_MS;
    const frame = (t) => {
      frames.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
  obs.disconnect();
  const apply = performance.getEntriesByName('ops:apply', 'measure').map((m) => m.duration);
  return { frames, longTasks, apply, batches: d.batches() - batches0, shown: d.liveMap.data('couriers').features.length, last: d.lastSnapshot() };
})()`;

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

    writeFileSync(SERVER_LOG, '');
    const start = parseNodeScript((JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '');
    if (!start) throw new Error('package.json has no start script running node');
    app = await startServer(path.join(__dirname, '..', start.entry), { env: { ...appEnv, ...start.env }, execArgv: start.nodeArgs.includes('tsx/cjs') ? start.nodeArgs : [...start.nodeArgs, '--require', 'tsx/cjs'], readyPath: '/ready', logFile: SERVER_LOG });
    const url = `http://127.0.0.1:${app.port}`;
    log(`app (npm start's command) on ${url}, pid ${app.pid}`);

    const ctx = await browser.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${url}/ops`);
    await signInOnPage(page, ADMIN_PHONE, SEED_PASSWORD);
    await page.waitForFunction(() => ((globalThis as any).daraa?.cells?.() ?? []).length > 0, undefined, { timeout: 30_000 });
    // Zoomed out to the bench's zoom: the board resubscribes on moveend, as when a dispatcher zooms.
    await page.evaluate((zoom: number) => (globalThis as any).daraa.liveMap.map.jumpTo({ zoom }), CFG.zoom);
    await page.waitForFunction((zoom: number) => Math.abs((globalThis as any).daraa.liveMap.view().zoom - zoom) < 0.01, CFG.zoom);
    await sleep(1_500);
    const cells = (await page.evaluate(() => (globalThis as any).daraa.cells())) as string[];
    const bounds = (await page.evaluate(() => (globalThis as any).daraa.liveMap.view().bounds)) as [number, number, number, number];
    log(`the board subscribes to ${cells.length} cells (res ${getResolution(cells[0] as string)})`);

    const places = placeInView(seeded.couriers.length, bounds, cells);
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
      if (Date.now() > deadline) throw new Error(`the board shows ${await shown()} couriers, wanted ${want}; last snapshot ${JSON.stringify(await page.evaluate(() => (globalThis as any).daraa.lastSnapshot()))}`);
      await sleep(500);
    }
    log(`the board shows ${await shown()} couriers; warming ${CFG.warmS} s`);
    await sleep(CFG.warmS * 1000);

    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskS = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN);
    await gens.all({ cmd: 'window' });
    const loadAtWindow = os.loadavg().map((x) => round(x, 2));
    if (PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    const task0 = await taskS();
    const inPage = (await page.evaluate(MEASURE_IN_PAGE.replace('WINDOW_MS', String(CFG.windowS * 1000)))) as {
      frames: number[];
      longTasks: number[];
      apply: number[];
      batches: number;
      shown: number;
      last: { areas: number; counted: number; truncated: number };
    };
    const task1 = await taskS();
    if (PROFILE) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(path.join(__dirname, 'results', 'board-page.tmp.cpuprofile'), JSON.stringify(profile));
      log(`page profile, self time: ${topSelf(profile).join(', ')}`);
    }
    const [sent] = await gens.all<{ sent: number; ms: number; shortfall: number; loopDelayP99Ms: number }>({ cmd: 'collect' });
    const loadAfter = os.loadavg().map((x) => round(x, 2));

    const frames = inPage.frames.slice(1);
    const medianFrameMs = pct(frames, 50);
    // Frames drawn in each second of the window: the frame rate a dispatcher sees, second by second.
    const perSecond = new Array<number>(CFG.windowS).fill(0);
    let at = 0;
    for (const f of frames) {
      at += f;
      const sec = Math.floor(at / 1000);
      if (sec < CFG.windowS) perSecond[sec] = (perSecond[sec] ?? 0) + 1;
    }
    const medianFps = pct(perSecond, 50);
    const batches = Math.max(1, inPage.batches);
    const out = {
      couriers: connected?.connected ?? 0,
      medianFps: medianFps,
      fpsPerSecond: perSecond,
      medianFrameIntervalMs: round(medianFrameMs),
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
      targets: { medianFps: { target: '>= 30', met: medianFps >= 30 } },
      loadAverage: { before: loadBefore, window: loadAtWindow, after: loadAfter },
      pageErrors: problems,
      config: { ...CFG, mode: QUICK ? 'quick' : 'full', viewport: '1280x800', zoom: CFG.zoom, cells: cells.length, truncatedAreas: inPage.last.truncated, chromium: '/usr/bin/chromium --headless --disable-gpu (software WebGL)', app: 'npm start command, all roles in one process', feed: '1 generator process, one /courier socket per courier, 1 fix/s each' },
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      measures: {
        medianFps: 'median, over the seconds of the window, of the requestAnimationFrame callbacks in that second',
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
