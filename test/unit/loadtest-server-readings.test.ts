import { expect } from 'chai';
import { cpuDelta, parseTaskStat, summarizeGcProfile, type GcProfileEntry, type ThreadTimes } from '../../loadtest/server-readings.js';

/** A /proc/<pid>/task/<tid>/stat line: utime and stime are fields 14 and 15 (ticks of 10 ms). */
const stat = (tid: number, comm: string, utime: number, stime: number) =>
  `${tid} (${comm}) S 1 ${tid} ${tid} 0 -1 4194560 7009 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 66898 1236938752 21840 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0`;

describe('server readings (loadtest/server-readings.ts)', () => {
  describe('/proc stat of a thread', () => {
    it('when the thread name holds spaces and parentheses, then the name is read whole and the CPU time still comes from the right fields', () => {
      expect(parseTaskStat(stat(4242, 'V8 Worker (1) x', 150, 25))).to.deep.equal({ tid: 4242, comm: 'V8 Worker (1) x', cpuUs: 1_750_000 });
    });

    it('when the text is not a stat line, then it is refused', () => {
      expect(() => parseTaskStat('garbage')).to.throw(/stat/);
    });
  });

  describe('CPU split by thread', () => {
    const at = (rows: [number, string, number][]): ThreadTimes => new Map(rows.map(([tid, comm, cpuUs]) => [tid, { comm, cpuUs }]));

    it('when the main thread, V8 platform threads and a later thread ran, then each gets its own share and unnamed V8 threads are known by their ids', () => {
      const before = at([[100, 'node', 1_000_000], [101, 'node', 200_000], [102, 'node', 0], [150, 'node', 0]]);
      const after = at([[100, 'node', 1_600_000], [101, 'node', 300_000], [102, 'node', 50_000], [150, 'node', 20_000]]);
      expect(cpuDelta(before, after, { mainTid: 100, v8Tids: [101, 102] })).to.deep.equal({ mainUs: 600_000, gcUs: 150_000, otherUs: 20_000, totalUs: 770_000 });
    });

    it('when threads carry V8 names, then they count as GC threads even without a known id, and a thread born in the window counts from zero', () => {
      const before = at([[100, 'node', 0]]);
      const after = at([[100, 'node', 10_000], [120, 'V8 DefaultWorke', 30_000], [121, 'libuv-worker', 5_000]]);
      expect(cpuDelta(before, after, { mainTid: 100, v8Tids: [] })).to.deep.equal({ mainUs: 10_000, gcUs: 30_000, otherUs: 5_000, totalUs: 45_000 });
    });
  });

  describe('GC profile of a window', () => {
    const space = (old: number, lo: number) => [
      { spaceName: 'new_space', spaceUsedSize: 999 },
      { spaceName: 'old_space', spaceUsedSize: old },
      { spaceName: 'large_object_space', spaceUsedSize: lo },
    ];
    const entry = (gcType: string, cost: number, before: [number, number], after: [number, number]): GcProfileEntry => ({
      gcType,
      cost,
      beforeGC: { heapSpaceStatistics: space(...before) },
      afterGC: { heapSpaceStatistics: space(...after) },
    });

    it('when scavenges grow the old generation, then that growth is the promoted bytes, and every collection adds its pause', () => {
      const s = summarizeGcProfile([
        entry('Scavenge', 1_500, [1_000, 0], [4_000, 0]),
        entry('Scavenge', 500, [4_000, 0], [4_500, 1_000]),
        entry('MarkSweepCompact', 20_000, [4_500, 1_000], [800, 1_000]),
        entry('IncrementalMarking', 3_000, [800, 1_000], [800, 1_000]),
      ]);
      expect(s).to.deep.equal({ scavenges: 2, markCompacts: 1, pauseMs: 25, promotedBytes: 4_500 });
    });

    it('when concurrent sweeping shrinks the old generation during a scavenge, then nothing negative is counted as promoted', () => {
      expect(summarizeGcProfile([entry('Scavenge', 100, [5_000, 0], [4_000, 0])]).promotedBytes).to.equal(0);
    });
  });
});
