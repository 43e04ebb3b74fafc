/**
 * Process plumbing of `npm run bench:hub`: forked children driven by request/reply over IPC
 * (generators, and servers started with loadtest/server-probe.ts preloaded), and what /proc says
 * about a process (CPU time per thread, resident memory, open-file limit).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createServer } from 'node:net';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { parseVmRssKB } from './hub-stats.js';
import { parseTaskStat, type ThreadTimes } from './server-readings.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU time (user + system, µs) a process has used so far, from /proc (10 ms ticks). */
export function procCpuUs(pid: number): number {
  return parseTaskStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuUs;
}

/** Busy and total CPU time of the whole machine so far (µs, all cores), from /proc/stat. */
export function machineCpuUs(): { busy: number; total: number } {
  const f = (/^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').trim().split(/\s+/).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: (total - idle) * 10_000, total: total * 10_000 };
}

/** CPU time of every thread of a process now (threads that exit between two reads are skipped). */
export function threadTimes(pid: number): ThreadTimes {
  const out: ThreadTimes = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = parseTaskStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      out.set(t.tid, { comm: t.comm, cpuUs: t.cpuUs });
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/** A loopback port free right now (the server is told to listen there, as PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const vmRssKB = (pid: number): number => parseVmRssKB(readFileSync(`/proc/${pid}/status`, 'utf8'));

/** Scheduler state of a process (R running, S sleeping, D disk wait, Z zombie…), or 'gone'. */
export function procState(pid: number): string {
  try {
    return (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '?').charAt(0);
  } catch {
    return 'gone';
  }
}

/** Kernel queues of the established connections on a local port (from `ss`): unread bytes mean the process is not reading. */
export function socketQueues(port: number): { sockets: number; recvQBytes: number; socketsWithUnread: number; sendQBytes: number } | null {
  const r = spawnSync('ss', ['-tnH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const out = { sockets: 0, recvQBytes: 0, socketsWithUnread: 0, sendQBytes: 0 };
  for (const line of r.stdout.split('\n')) {
    const [recv, send] = line.trim().split(/\s+/).map(Number);
    if (recv === undefined || Number.isNaN(recv)) continue;
    out.sockets += 1;
    out.recvQBytes += recv;
    out.sendQBytes += send ?? 0;
    if (recv > 0) out.socketsWithUnread += 1;
  }
  return out;
}

/** Soft and hard open-file limits of a process. */
export function nofile(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const n = (s: string | undefined) => (s === 'unlimited' || s === undefined ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

/**
 * Node cannot call setrlimit, but util-linux `prlimit` can raise a running
 * child's soft open-file limit up to its hard limit. Returns the soft limit
 * the child ends up with.
 */
export function raiseNofile(pid: number): number {
  const { soft, hard } = nofile(pid);
  if (soft >= hard) return soft;
  const r = spawnSync('prlimit', ['--pid', String(pid), `--nofile=${hard}:${hard}`], { encoding: 'utf8' });
  return r.status === 0 ? nofile(pid).soft : soft;
}

/** An IPC request to a child: `cmd` names it, the child's reply carries `re: cmd` (or `re: id` when it has an `id`). */
export type Command = { cmd: string } & Record<string, unknown>;

export interface Child {
  process: ChildProcess;
  pid: number;
  port: number;
  /** Send a message and wait for the child's `{ re: cmd }` reply (or any message when `re` is absent). */
  request<T = Record<string, unknown>>(msg: Command): Promise<T>;
  stop(): Promise<void>;
}

/** Request/reply over a child's IPC channel: each `{ cmd }` is answered by a message with `re: cmd`. */
function driven(child: ChildProcess, port: number, stop: () => void): Child {
  const waiters = new Map<string, ((m: unknown) => void)[]>();
  child.on('message', (m: { re?: string }) => waiters.get(m.re ?? '')?.shift()?.(m));
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    process: child,
    pid: child.pid as number,
    port,
    request<T>(msg: Command) {
      // Requests that may overlap and finish out of order carry an `id`, which the reply echoes as `re`.
      const key = typeof msg.id === 'string' ? msg.id : msg.cmd;
      return new Promise<T>((res, rej) => {
        const q = waiters.get(key) ?? [];
        q.push(res as (m: unknown) => void);
        waiters.set(key, q);
        child.send(msg, (err) => err && rej(err));
      });
    },
    async stop() {
      (child as ChildProcess & { stopping?: boolean }).stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      stop();
      await exited;
      clearTimeout(force);
    },
  };
}

function forkTs(file: string, opts: { env?: NodeJS.ProcessEnv; execArgv?: string[]; args?: string[]; logFile?: string }): ChildProcess {
  // A server's own log (e.g. warnings while it sheds load) goes to a file, so the bench's output stays readable.
  const out = opts.logFile ? openSync(opts.logFile, 'a') : 'inherit';
  const child = fork(path.resolve(file), opts.args ?? [], {
    execArgv: opts.execArgv ?? ['--require', 'tsx/cjs'],
    env: opts.env ?? process.env,
    stdio: ['ignore', out, out, 'ipc'],
  });
  child.once('exit', (code, signal) => {
    if (!(child as ChildProcess & { stopping?: boolean }).stopping) console.error(`[bench] ${path.basename(file)} (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal}`);
  });
  return child;
}

/** Forks a TypeScript module (through tsx) and waits for its `{ ready }` (or `{ re: 'ready' }`) message. */
export function forkReady(file: string, opts: { env?: NodeJS.ProcessEnv; execArgv?: string[]; args?: string[]; timeoutMs?: number; stopMessage?: unknown; logFile?: string } = {}): Promise<Child> {
  const child = forkTs(file, { ...opts, execArgv: ['--require', 'tsx/cjs', ...(opts.execArgv ?? [])] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} not ready within ${opts.timeoutMs ?? 120_000} ms`)), opts.timeoutMs ?? 120_000);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
    const onReady = (m: { ready?: boolean; re?: string; port?: number }) => {
      if (!m.ready && m.re !== 'ready') return;
      child.off('message', onReady);
      clearTimeout(timer);
      resolve(driven(child, m.port ?? 0, () => child.send(opts.stopMessage ?? 'stop', () => undefined)));
    };
    child.on('message', onReady);
  });
}

/**
 * Starts a server the way its own command line does (`execArgv`, `file`), with the probe preloaded,
 * told to listen on a free port (PORT), and waits until `readyPath` answers 200. Stopped with SIGTERM.
 */
export async function startServer(file: string, opts: { env: NodeJS.ProcessEnv; execArgv: string[]; readyPath: string; logFile?: string; timeoutMs?: number }): Promise<Child> {
  const port = await freePort();
  const child = forkTs(file, { env: { ...opts.env, PORT: String(port), HOST: '127.0.0.1' }, execArgv: [...opts.execArgv, '--require', path.join(__dirname, 'server-probe.ts')], logFile: opts.logFile });
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}${opts.readyPath}`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${file} not ready on port ${port} within ${opts.timeoutMs ?? 120_000} ms`);
    }
    await sleep(250);
  }
  return driven(child, port, () => child.kill('SIGTERM'));
}

/**
 * `{ cmd: 'profile' }` starts a V8 CPU profile of this process; `{ cmd: 'profile', file }` stops it
 * and writes the .cpuprofile there (for chrome://inspect or speedscope). Answers `{ re: 'profile' }`.
 * Sampling interval: BENCH_PROF_INTERVAL_US (default 200 µs; coarser costs the process less).
 * BENCH_PROF_KIND=alloc samples allocations instead (every ~BENCH_PROF_ALLOC_BYTES, default 4 KiB,
 * garbage included, so short-lived objects count too) and writes a .heapprofile;
 * BENCH_PROF_KIND=survivors keeps only what outlived the young generation (promoted objects, including
 * those a major GC freed later): the sources of old-generation garbage and so of major GCs.
 * BENCH_PROF_KIND=snapshot writes a heap snapshot at the end of the window (live objects only; the
 * process stops for seconds while it writes, so the next window starts behind).
 */
export function serveProfiler(): void {
  const kind = process.env.BENCH_PROF_KIND;
  let inspector: Session | undefined;
  const post = (method: string, params?: object) => {
    if (!inspector) {
      inspector = new Session();
      inspector.connect();
    }
    const session = inspector;
    return new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r))));
  };
  const save = (file: string) => (r: unknown) => writeFileSync(file, JSON.stringify((r as { profile: object }).profile));
  const mode: { start(): Promise<unknown>; stop(file: string): Promise<unknown> } =
    kind === 'snapshot'
      ? { start: async () => undefined, stop: async (file) => writeHeapSnapshot(file) }
      : kind === 'alloc' || kind === 'survivors'
        ? {
            start: () =>
              post('HeapProfiler.enable').then(() =>
                post('HeapProfiler.startSampling', { samplingInterval: Number(process.env.BENCH_PROF_ALLOC_BYTES ?? 4096), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: kind === 'alloc' })),
            stop: (file) => post('HeapProfiler.stopSampling').then(save(file)),
          }
        : {
            start: () =>
              post('Profiler.enable')
                .then(() => post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_PROF_INTERVAL_US ?? 200) }))
                .then(() => post('Profiler.start')),
            stop: (file) => post('Profiler.stop').then(save(file)),
          };
  process.on('message', (m: unknown) => {
    const msg = (typeof m === 'object' && m !== null ? m : {}) as { cmd?: string; file?: string };
    if (msg.cmd !== 'profile') return;
    const done = msg.file ? mode.stop(msg.file) : mode.start();
    void done.then(() => process.send?.({ re: 'profile' }), (err: unknown) => process.send?.({ re: 'profile', error: String(err) }));
  });
}
