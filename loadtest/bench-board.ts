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
import { median, windowValidity, type ValidityRule } from './bench-windows.js';
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
  /** The window is cut into sub-windows of this many seconds, each valid or not by the generator's health in it. */
  subS: num('BOARD_SUB_S', 5, 5),
  /** The board must show this share of the fleet before the window opens (a courier mid-connect may be missing). */
  minShownShare: 0.98,
};
/**
 * BOARD_FEED=page: the page's cost alone. No generator and no fixes through the hub: the board unsubscribes
 * its areas on the hub, and once a second the page's own socket parses a recorded-like `ops:snapshot` of the
 * 5,000 couriers (moving on their loops, 10 frames in turn) exactly as if the hub had sent it
 * (`Manager.ondata`: socket.io's decoder, JSON parse, the board's handler). Written to board-page.json.
 */
const FEED: 'hub' | 'page' = env.BOARD_FEED === 'page' ? 'page' : 'hub';
/** BOARD_PROFILE=1: a CPU profile of the page's window (results/board-page.tmp.cpuprofile) and its top functions. */
const PROFILE = Boolean(env.BOARD_PROFILE);
const PARTIAL = ['BOARD_COURIERS', 'BOARD_WINDOW_S', 'BOARD_WARM_S', 'BOARD_ZOOM', 'BOARD_SUB_S'].some((k) => env[k]);
/**
 * A sub-window counts when the generator sent its couriers' fixes on schedule (at most 1 % skipped) and
 * did not stall for long. The page's load is the hub's snapshot of every courier in view, once a second,
 * whatever the generator does; a generator behind schedule moves fewer markers (a lighter page), and
 * one that stalls past a second bunches the fixes. Its event-loop p99 may be higher than bench:hub
 * allows (50 ms): the board does not time fixes, only draws them.
 */
type Health = { sent: number; shortfall: number; disconnects: number; loopDelayP99Ms: number; loopDelayMaxMs: number; dropReasons?: Record<string, number> };
/** BOARD_FEED=page has no generator: its schedule is the page's own timer. */
const PAGE_FED: Health = { sent: 0, shortfall: 0, disconnects: 0, loopDelayP99Ms: 0, loopDelayMaxMs: 0 };
const BOARD_VALIDITY: ValidityRule = { maxLoopDelayP99Ms: 250, maxLoopDelayMs: 1000, maxShortfallShare: 0.01 };
const ADMIN_PHONE = seedPhone('admin', 1);
/** The app's own output (warnings while 5,000 sockets connect and leave): kept out of the report, gitignored. */
const SERVER_LOG = path.join(__dirname, 'results', 'bench-board-server.tmp.log');
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (s: string) => console.log(`[bench:board ${new Date().toISOString().slice(11, 19)}] ${s}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number) : NaN;
};

/**
 * BOARD_FEED=page: ten snapshots, as socket.io packets of the /ops namespace, of the couriers one second
 * apart on their 150 m loops (the generator's loop), grouped by their cell. `ts` is set ten minutes
 * ahead so no marker turns grey during the run (the drawing costs the same either way).
 */
function pageSnapshots(places: { lat: number; lng: number }[], res: number): string[] {
  const ts = Date.now() + 600_000;
  return Array.from({ length: 10 }, (_, k) => {
    const byCell = new Map<string, { courierId: string; lat: number; lng: number; status: string; vehicle: string; ts: number; stale: boolean }[]>();
    places.forEach((p, i) => {
      const a = (i * 2.399963 + (k * 2 * Math.PI) / 60) % (2 * Math.PI);
      const lat = round(p.lat + 0.00135 * Math.sin(a), 6);
      const lng = round(p.lng + 0.0016 * Math.cos(a), 6);
      const cell = latLngToCell(p.lat, p.lng, res);
      const list = byCell.get(cell) ?? [];
      list.push({ courierId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, lat, lng, status: i % 3 ? 'available' : 'busy', vehicle: 'motorbike', ts, stale: false });
      byCell.set(cell, list);
    });
    const areas = [...byCell].map(([cell, couriers]) => ({ cell, couriers, counts: { online: couriers.length, available: couriers.filter((c) => c.status === 'available').length, busy: couriers.filter((c) => c.status === 'busy').length, stale: 0 }, truncated: false }));
    return `2/ops,${JSON.stringify(['ops:snapshot', { at: new Date().toISOString(), areas }])}`;
  });
}

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
 * Run in the page (strings, not functions: tsx would wrap a function's inner closures in a helper,
 * `__name`, the page does not have). RECORD starts a requestAnimationFrame loop stamping every frame and
 * a long-task observer; PAGE_NOW reads the page clock and the board's batch count; STOP ends the
 * recording and returns the frames, long tasks and the board's `ops:apply` measures, each with its time.
 */
const RECORD_IN_PAGE = `(() => {
  const r = (window.__bench = { frames: [], longTasks: [], on: true });
  performance.clearMeasures();
  r.obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => r.longTasks.push([e.startTime, e.duration])));
  r.obs.observe({ type: 'longtask' });
  const frame = (t) => {
    r.frames.push(t);
    if (r.on) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})()`;
const PAGE_NOW = `({ t: performance.now(), batches: window.daraa.batches(), shown: window.daraa.markers.size() })`;
const STOP_IN_PAGE = `(() => {
  const r = window.__bench;
  r.on = false;
  r.obs.disconnect();
  const apply = performance.getEntriesByName('ops:apply', 'measure').map((m) => [m.startTime, m.duration]);
  return { frames: r.frames, longTasks: r.longTasks, apply, shown: window.daraa.markers.drawn().features.length, last: window.daraa.lastSnapshot() };
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
      const s = await seedWith(c, { couriers: FEED === 'page' ? 0 : CFG.couriers, customers: 0, log: (x) => log(`seed: ${x}`) });
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

    let connected: { connected: number; failed: number; errors: Record<string, number>; ms: number } | undefined;
    if (FEED === 'page') {
      await page.evaluate((cs: string[]) => new Promise((r) => (globalThis as any).daraa.socket.emit('ops:unsubscribe', { cells: cs }, r)), cells);
      const snaps = pageSnapshots(placeInView(CFG.couriers, bounds, cells), getResolution(cells[0] as string));
      await page.evaluate(`window.__snaps = ${JSON.stringify(snaps)}; window.__feed = 0; setInterval(() => window.daraa.socket.io.ondata(window.__snaps[window.__feed++ % window.__snaps.length]), 1000);`);
      connected = { connected: CFG.couriers, failed: 0, errors: {}, ms: 0 };
      log(`the page parses a snapshot of ${CFG.couriers} couriers every second (${Math.round((snaps[0]?.length ?? 0) / 1024)} KB each)`);
    } else {
      const places = placeInView(seeded.couriers.length, bounds, cells);
      const fleet: Fleet = { couriers: seeded.couriers.map((c, i) => ({ ...c, ...(places[i] as { lat: number; lng: number }) })), watchers: [] };
      const fleetFile = path.join(dataDir, 'fleet.json');
      writeFileSync(fleetFile, JSON.stringify(fleet));
      gens = await Generators.start(1, fleetFile);
      [connected] = await gens.all<{ connected: number; failed: number; errors: Record<string, number>; ms: number }>({ cmd: 'connect', id: 'connect', side: 'board', url, kind: 'couriers' });
      log(`${connected?.connected} couriers online in ${round((connected?.ms ?? 0) / 1000)} s${connected?.failed ? `, ${connected.failed} failed ${JSON.stringify(connected.errors)}` : ''}`);
      await gens.all({ cmd: 'rate', side: 'board', perCourierPerS: 1 });
    }

    const shown = () => page.evaluate(() => (globalThis as any).daraa.markers.size() as number);
    const want = Math.floor((connected?.connected ?? 0) * CFG.minShownShare);
    // The hub indexes a courier at its first fix; on a loaded box that takes a while for 5,000 (the wait is
    // not measured). A hub that cannot hold them all (couriers dropped in a stall of the box) does not stop
    // the run: the sub-windows in which the board drew fewer than `minShownShare` of the fleet are invalid.
    const deadline = Date.now() + 120_000;
    for (let nextLog = Date.now() + 15_000; (await shown()) < want && Date.now() < deadline; await sleep(500)) {
      if (Date.now() > nextLog) {
        log(`waiting: the board shows ${await shown()} of ${want}`);
        nextLog = Date.now() + 15_000;
      }
    }
    log(`the board shows ${await shown()} couriers; warming ${CFG.warmS} s`);
    await sleep(CFG.warmS * 1000);

    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskS = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN);
    const loadAtWindow = os.loadavg().map((x) => round(x, 2));
    if (PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    await page.evaluate(RECORD_IN_PAGE);
    // Sub-windows, each judged by the generator's health in it: a window where the generator fell behind
    // (or stalled) fed the page less than 5,000 couriers a second, so it says something about the box,
    // not the page, and stays out of the figures (it is kept in the report, marked invalid).
    const subs: { t0: number; t1: number; shown: number; batches: number; taskMs: number; load: number[]; health: Health }[] = [];
    for (let k = 0; k < CFG.windowS / CFG.subS; k++) {
      const at0 = (await page.evaluate(PAGE_NOW)) as { t: number; batches: number; shown: number };
      const task0 = await taskS();
      await gens?.all({ cmd: 'window' });
      await sleep(CFG.subS * 1000);
      const [health] = gens ? await gens.all<Health>({ cmd: 'collect' }) : [PAGE_FED];
      const at1 = (await page.evaluate(PAGE_NOW)) as { t: number; batches: number; shown: number };
      const task1 = await taskS();
      subs.push({ t0: at0.t, t1: at1.t, shown: Math.min(at0.shown, at1.shown), batches: at1.batches - at0.batches, taskMs: (task1 - task0) * 1000, load: os.loadavg().map((x) => round(x, 2)), health: health! });
    }
    const rec = (await page.evaluate(STOP_IN_PAGE)) as { frames: number[]; longTasks: [number, number][]; apply: [number, number][]; shown: number; last: { areas: number; counted: number; truncated: number } };
    if (PROFILE) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(path.join(__dirname, 'results', 'board-page.tmp.cpuprofile'), JSON.stringify(profile));
      log(`page profile, self time: ${topSelf(profile).join(', ')}`);
    }
    const loadAfter = os.loadavg().map((x) => round(x, 2));

    const windows = subs.map((s) => {
      const inside = (t: number) => t >= s.t0 && t < s.t1;
      const stamps = rec.frames.filter(inside);
      const intervals = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
      // Frames drawn in each whole second of the sub-window: the frame rate a dispatcher sees, second by second.
      const fpsPerSecond = Array.from({ length: Math.floor((s.t1 - s.t0) / 1000) }, (_, i) => stamps.filter((t) => t >= s.t0 + i * 1000 && t < s.t0 + (i + 1) * 1000).length);
      const apply = rec.apply.filter(([t]) => inside(t)).map(([, d]) => d);
      const longTasks = rec.longTasks.filter(([t]) => inside(t)).map(([, d]) => d);
      const batches = Math.max(1, s.batches);
      const sentShare = s.health.sent / (CFG.couriers * ((s.t1 - s.t0) / 1000));
      const validity = FEED === 'page' ? { valid: true, reasons: [] as string[] } : windowValidity([s.health], BOARD_VALIDITY);
      // Couriers that dropped were offline until they reconnected: the page drew fewer than the fleet.
      if (s.health.disconnects > 0) validity.reasons.push(`${s.health.disconnects} courier sockets dropped`);
      if (s.shown < want) validity.reasons.push(`the board drew ${s.shown} couriers (< ${want}): the hub held fewer online`);
      // The hub sends a snapshot a second; one that finds the socket busy is dropped (volatile), and a hub
      // that cannot keep up skips rounds: with fewer than half of them the page had little to do.
      if (s.batches < CFG.subS / 2) validity.reasons.push(`${s.batches} snapshots reached the board in ${CFG.subS} s`);
      return {
        valid: validity.reasons.length === 0,
        invalidReasons: validity.reasons,
        fpsPerSecond,
        p95FrameMs: round(pct(intervals, 95)),
        mainThreadMsPerBatch: round(s.taskMs / batches),
        applyMsPerBatch: round(apply.reduce((a, x) => a + x, 0) / batches, 2),
        longTasks: { count: longTasks.length, maxMs: round(Math.max(0, ...longTasks)) },
        batches: s.batches,
        shown: s.shown,
        intervals,
        apply,
        longTaskMs: longTasks,
        generator: { sentPerS: round((s.health.sent * 1000) / (s.t1 - s.t0)), sentShare: round(sentShare, 3), shortfall: s.health.shortfall, disconnects: s.health.disconnects, loopDelayP99Ms: s.health.loopDelayP99Ms, loopDelayMaxMs: s.health.loopDelayMaxMs },
        loadAverage: s.load,
      };
    });
    const valid = windows.filter((w) => w.valid);
    const all = (pick: (w: (typeof windows)[number]) => number[], ws = valid) => ws.flatMap(pick);
    const validBatches = Math.max(1, valid.reduce((a, w) => a + w.batches, 0));
    const medianFps = valid.length ? median(all((w) => w.fpsPerSecond)) : null;
    const out = {
      couriers: connected?.connected ?? 0,
      medianFps,
      p95FrameMs: valid.length ? round(pct(all((w) => w.intervals), 95)) : null,
      mainThreadMsPerBatch: valid.length ? round(valid.reduce((a, w) => a + w.mainThreadMsPerBatch * Math.max(1, w.batches), 0) / validBatches) : null,
      applyMsPerBatch: valid.length ? round(all((w) => w.apply).reduce((a, x) => a + x, 0) / validBatches, 2) : null,
      applyP95Ms: valid.length ? round(pct(all((w) => w.apply), 95), 2) : null,
      longTasks: { count: all((w) => w.longTaskMs).length, totalMs: round(all((w) => w.longTaskMs).reduce((a, x) => a + x, 0)), maxMs: round(Math.max(0, ...all((w) => w.longTaskMs))) },
      batchesPerS: round(valid.reduce((a, w) => a + w.batches, 0) / Math.max(1, valid.length * CFG.subS), 2),
      validWindows: `${valid.length}/${windows.length}`,
      // Every second, valid or not, for comparison with runs before the validity rule.
      allWindows: { medianFps: median(all((w) => w.fpsPerSecond, windows)), p95FrameMs: round(pct(all((w) => w.intervals, windows), 95)) },
      windows: windows.map(({ intervals: _i, apply: _a, longTaskMs: _l, ...w }) => w),
      shownOnMap: rec.shown,
      // Why courier sockets dropped during the whole run (socket.io's reasons); the generator connects them again.
      courierDrops: subs.at(-1)?.health.dropReasons ?? {},
      targets: { medianFps: { target: '>= 30 over the valid windows', met: medianFps !== null && medianFps >= 30 } },
      loadAverage: { before: loadBefore, window: loadAtWindow, after: loadAfter },
      validityRule: BOARD_VALIDITY,
      pageErrors: problems,
      config: { ...CFG, mode: QUICK ? 'quick' : 'full', viewport: '1280x800', zoom: CFG.zoom, cells: cells.length, truncatedAreas: rec.last.truncated, chromium: '/usr/bin/chromium --headless --disable-gpu (software WebGL)', app: 'npm start command, all roles in one process', feed: FEED === 'page' ? "BOARD_FEED=page: no generator; the page's socket parses a 5,000-courier ops:snapshot every second (Manager.ondata)" : '1 generator process, one /courier socket per courier, 1 fix/s each', couriersLayer: 'custom WebGL layer (web/src/ops-markers.ts), one typed array' },
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      measures: {
        medianFps: 'median, over the whole seconds of the valid sub-windows, of the requestAnimationFrame callbacks in that second',
        p95FrameMs: '95th percentile requestAnimationFrame interval in the valid sub-windows',
        mainThreadMsPerBatch: 'the renderer main thread busy time (CDP Performance TaskDuration: socket parse, scripts, style, MapLibre rendering) / ops:snapshot batches received, valid sub-windows',
        applyMsPerBatch: "the board's own ops:apply measures (snapshot handler + the frame's marker update) / batches, valid sub-windows",
        validWindows: `sub-windows of ${CFG.subS} s in which the generator kept to its schedule (validityRule) and no courier socket dropped and the board drew at least minShownShare of the fleet; the others are listed in windows[] and left out`,
      },
      durationS: round((Date.now() - started) / 1000),
      timestamp: new Date().toISOString(),
    };
    const file = path.join(__dirname, 'results', PARTIAL ? 'board.partial.tmp.json' : QUICK ? 'board-quick.tmp.json' : FEED === 'page' ? 'board-page.json' : 'board.json');
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    log(`median ${out.medianFps} fps over ${out.validWindows} valid sub-windows (all: ${out.allWindows.medianFps}), p95 frame ${out.p95FrameMs} ms, main thread ${out.mainThreadMsPerBatch} ms per batch (apply ${out.applyMsPerBatch} ms), ${out.batchesPerS} batches/s, ${out.shownOnMap} couriers shown`);
    for (const w of out.windows) log(`  ${w.valid ? 'valid  ' : 'INVALID'} fps ${w.fpsPerSecond.join(' ')}; main ${w.mainThreadMsPerBatch} ms/batch; generator ${w.generator.sentPerS}/s, shortfall ${w.generator.shortfall}, loop p99 ${w.generator.loopDelayP99Ms} max ${w.generator.loopDelayMaxMs} ms; load ${w.loadAverage.join(' ')}${w.valid ? '' : `; ${w.invalidReasons.join('; ')}`}`);
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
