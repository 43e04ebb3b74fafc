/**
 * What `npm run bench:hub` reads about a server process, as pure functions: a thread's CPU time from
 * its /proc stat line, a window's CPU split between the main thread, V8's platform threads (garbage
 * collection helpers) and the rest, and a window's GC profile (v8.GCProfiler) summed into pauses and
 * promoted bytes. Unit-tested in test/unit/loadtest-server-readings.test.ts.
 */

/** Linux reports CPU time in clock ticks of 10 ms (USER_HZ 100 on every mainstream kernel). */
export const TICK_US = 10_000;

export interface TaskStat {
  tid: number;
  /** The thread's name (comm): all "node" on Node 20, named per kind on later versions. */
  comm: string;
  /** User + system CPU time (µs). */
  cpuUs: number;
}

/**
 * Parses /proc/<pid>/task/<tid>/stat (or /proc/<pid>/stat). The name sits in parentheses and may hold
 * spaces and parentheses itself, so the fields are counted from the last `)`.
 */
export function parseTaskStat(text: string): TaskStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('not a /proc stat line');
  const rest = text.slice(close + 2).split(' ');
  // After the name: state (field 3) … utime (14) and stime (15), so indexes 11 and 12 of `rest`.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc stat line');
  return { tid: Number(text.slice(0, open).trim()), comm: text.slice(open + 1, close), cpuUs: (utime + stime) * TICK_US };
}

/** CPU time per thread at one moment, by thread id. */
export type ThreadTimes = Map<number, { comm: string; cpuUs: number }>;

export interface ThreadKinds {
  /** The main thread (its id is the process id): JavaScript, the event loop, GC pauses. */
  mainTid: number;
  /**
   * V8's platform threads: on Node 20 every thread is named "node", so the server's probe lists the
   * threads alive when it loaded (before libuv's pool exists); those are the V8 workers (concurrent
   * marking, parallel scavenges, sweeping, background compiles) and two idle helpers.
   */
  v8Tids: readonly number[];
}

/** Names V8's worker threads carry where the runtime names them. */
const V8_THREAD_NAME = /^(V8|v8)|DefaultWorke|GC/;

export interface CpuSplit {
  mainUs: number;
  /** V8 platform threads: mostly garbage collection. */
  gcUs: number;
  /** Everything else: libuv's pool (fs, dns, crypto), inspector, workers. */
  otherUs: number;
  totalUs: number;
}

/** CPU each kind of thread used between two readings; a thread born in between counts from zero. */
export function cpuDelta(before: ThreadTimes, after: ThreadTimes, kinds: ThreadKinds): CpuSplit {
  const v8 = new Set(kinds.v8Tids);
  const out: CpuSplit = { mainUs: 0, gcUs: 0, otherUs: 0, totalUs: 0 };
  for (const [tid, t] of after) {
    const us = Math.max(0, t.cpuUs - (before.get(tid)?.cpuUs ?? 0));
    if (tid === kinds.mainTid) out.mainUs += us;
    else if (v8.has(tid) || V8_THREAD_NAME.test(t.comm)) out.gcUs += us;
    else out.otherUs += us;
    out.totalUs += us;
  }
  return out;
}

/** One entry of v8.GCProfiler's `statistics` (the fields we use). */
export interface GcProfileEntry {
  gcType: string;
  /** Time the collection took on the main thread (µs). */
  cost: number;
  beforeGC: { heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[] };
  afterGC: { heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[] };
}

export interface GcSummary {
  scavenges: number;
  markCompacts: number;
  /** Main-thread time of every collection in the window (ms): scavenges, marking steps, final pauses. */
  pauseMs: number;
  /** Bytes the young-generation collections moved into the old generation (old and large-object spaces). */
  promotedBytes: number;
}

const oldGeneration = (spaces: { spaceName: string; spaceUsedSize: number }[]) =>
  spaces.filter((s) => s.spaceName === 'old_space' || s.spaceName === 'large_object_space').reduce((a, s) => a + s.spaceUsedSize, 0);

/**
 * Promotion is what a young-generation collection adds to the old generation: the growth of the old
 * and large-object spaces across each scavenge (or minor mark-compact). Concurrent sweeping can shrink
 * the old space during one, so a negative growth counts as none.
 */
export function summarizeGcProfile(entries: readonly GcProfileEntry[]): GcSummary {
  const out: GcSummary = { scavenges: 0, markCompacts: 0, pauseMs: 0, promotedBytes: 0 };
  let pauseUs = 0;
  for (const e of entries) {
    pauseUs += e.cost;
    if (e.gcType === 'Scavenge' || e.gcType === 'MinorMarkSweep' || e.gcType === 'MinorMarkCompact') {
      out.scavenges += 1;
      out.promotedBytes += Math.max(0, oldGeneration(e.afterGC.heapSpaceStatistics) - oldGeneration(e.beforeGC.heapSpaceStatistics));
    } else if (e.gcType === 'MarkSweepCompact') out.markCompacts += 1;
  }
  out.pauseMs = Math.round(pauseUs / 100) / 10;
  return out;
}
