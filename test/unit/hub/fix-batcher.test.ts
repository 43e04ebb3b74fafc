import { stat } from 'node:fs';
import { expect } from 'chai';
import type { Fix, FixResult } from '../../../geo/index.js';
import { FixBatcher } from '../../../server/fix-batcher.js';

const fix = (courierId: string, ts: number): Fix => ({ courierId, lat: 33.5, lng: 36.28, ts });
const applied = (f: Fix): FixResult => ({ courierId: f.courierId, outcome: 'applied', flags: [], events: [], cell: String(f.ts) });

describe('hub FixBatcher: one index call per batch (a turn, or a linger)', () => {
  it('when several sockets submit in the same turn, then one apply call carries them all and each gets its own results in order', async () => {
    const calls: Fix[][] = [];
    const batcher = new FixBatcher(async (fixes) => {
      calls.push(fixes);
      return fixes.map(applied);
    });
    const [a, b, c] = await Promise.all([
      batcher.submit([fix('a', 1)]),
      batcher.submit([fix('b', 1), fix('b', 2), fix('b', 3)]),
      batcher.submit([fix('c', 7)]),
    ]);
    expect(calls).to.have.length(1);
    expect(calls[0]!.map((f) => `${f.courierId}${f.ts}`)).to.deep.equal(['a1', 'b1', 'b2', 'b3', 'c7']);
    expect(a.map((r) => r.courierId + r.cell)).to.deep.equal(['a1']);
    expect(b.map((r) => r.courierId + r.cell)).to.deep.equal(['b1', 'b2', 'b3']);
    expect(c.map((r) => r.courierId + r.cell)).to.deep.equal(['c7']);
    expect(batcher.pending).to.equal(0);
  });

  it('when a turn brings more than the batch size, then it is split into several calls', async () => {
    const sizes: number[] = [];
    const batcher = new FixBatcher(async (fixes) => {
      sizes.push(fixes.length);
      return fixes.map(applied);
    }, { maxBatch: 4 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit([fix(`c${i}`, i)])));
    expect(sizes.reduce((a, n) => a + n, 0)).to.equal(10);
    expect(Math.max(...sizes)).to.be.at.most(4);
    expect(results.map((r) => r[0]!.courierId)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `c${i}`));
  });

  it('when the index fails (or throws at once), then every message of that batch fails and the next batch works', async () => {
    let mode: 'reject' | 'throw' | 'ok' = 'reject';
    const batcher = new FixBatcher((fixes) => {
      if (mode === 'throw') throw new Error('sync boom');
      if (mode === 'reject') return Promise.reject(new Error('redis down'));
      return Promise.resolve(fixes.map(applied));
    });
    const failed = await Promise.allSettled([batcher.submit([fix('a', 1)]), batcher.submit([fix('b', 1)])]);
    expect(failed.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    mode = 'throw';
    expect(await batcher.submit([fix('a', 2)]).catch((e: Error) => e.message)).to.equal('sync boom');
    mode = 'ok';
    expect((await batcher.submit([fix('a', 3)]))[0]!.outcome).to.equal('applied');
    expect(batcher.pending).to.equal(0);
  });

  it('when fixes are waiting for the index, then pending counts them until they settle', async () => {
    let release: () => void = () => undefined;
    const batcher = new FixBatcher((fixes) => new Promise<FixResult[]>((resolve) => (release = () => resolve(fixes.map(applied)))));
    const p = batcher.submit([fix('a', 1), fix('a', 2)]);
    expect(batcher.pending).to.equal(2);
    await new Promise((r) => setImmediate(r));
    expect(batcher.pending).to.equal(2); // sent, not answered
    release();
    await p;
    expect(batcher.pending).to.equal(0);
  });

  it('when messages are added with callbacks and one callback throws, then every other message of the batch still gets its results and the error is reported', async () => {
    const reported: unknown[] = [];
    const batcher = new FixBatcher(async (fixes) => fixes.map(applied), { onCallbackError: (err) => reported.push(err) });
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      batcher.add([fix('a', 1)], () => {
        throw new Error('bug in a');
      });
      batcher.add([fix('b', 1), fix('b', 2)], (err, results) => got.push(`${String(err)}:${results!.map((r) => r.courierId + r.cell).join(',')}`));
      batcher.add([fix('c', 1)], (err, results) => {
        got.push(`${String(err)}:${results!.map((r) => r.courierId + r.cell).join(',')}`);
        resolve();
      });
    });
    expect(got).to.deep.equal(['null:b1,b2', 'null:c1']);
    expect(reported.map((e) => (e as Error).message)).to.deep.equal(['bug in a']);
    expect(batcher.pending).to.equal(0);
  });

  it('when a message carries no fix, then its callback is answered at once with no index call', () => {
    let calls = 0;
    const batcher = new FixBatcher(async (fixes) => (calls++, fixes.map(applied)));
    let answer: FixResult[] | undefined;
    batcher.add([], (_err, results) => (answer = results));
    expect(answer).to.deep.equal([]);
    expect(calls).to.equal(0);
  });

  describe('with a linger', () => {
    const turn = () => new Promise((r) => setImmediate(r));

    it('when messages arrive in different turns within the linger, then they share one apply call, sent once the linger ends', async () => {
      const calls: Fix[][] = [];
      const batcher = new FixBatcher(async (fixes) => {
        calls.push(fixes);
        return fixes.map(applied);
      }, { lingerMs: 30 });
      const started = performance.now();
      const a = batcher.submit([fix('a', 1)]);
      await turn();
      const b = batcher.submit([fix('b', 1)]);
      await turn();
      expect(calls).to.have.length(0); // still lingering
      expect(batcher.pending).to.equal(2);
      const [ra, rb] = await Promise.all([a, b]);
      expect(performance.now() - started).to.be.at.least(25);
      expect(calls.map((c) => c.map((f) => f.courierId))).to.deep.equal([['a', 'b']]);
      expect([ra[0]!.courierId, rb[0]!.courierId]).to.deep.equal(['a', 'b']);
    });

    it('when a long turn outlasts the linger, then the batch leaves at the end of that turn, not at the timer on the loop\'s next pass', async () => {
      const calls: Fix[][] = [];
      const batcher = new FixBatcher(async (fixes) => {
        calls.push(fixes);
        return fixes.map(applied);
      }, { lingerMs: 5 });
      // Inside an I/O callback, as a socket's read is: the loop's check phase (immediates) comes before its next timers.
      const { a, b, sentBy } = await new Promise<{ a: Promise<FixResult[]>; b: Promise<FixResult[]>; sentBy: string[][] }>((resolve) =>
        stat(__filename, () => {
          const a = batcher.submit([fix('a', 1)]);
          const until = performance.now() + 8;
          while (performance.now() < until); // a turn longer than the linger (a GC pause, a backlog read)
          const b = batcher.submit([fix('b', 1)]);
          setImmediate(() => queueMicrotask(() => resolve({ a, b, sentBy: calls.map((c) => c.map((f) => f.courierId)) })));
        }),
      );
      expect(sentBy).to.deep.equal([['a', 'b']]); // sent at the end of the turn, before the timer's next pass
      await Promise.all([a, b]);
      expect(batcher.pending).to.equal(0);
    });

    it('when messages keep coming within the linger, then they wait for it (no early send)', async () => {
      const calls: Fix[][] = [];
      const batcher = new FixBatcher(async (fixes) => {
        calls.push(fixes);
        return fixes.map(applied);
      }, { lingerMs: 40 });
      const a = batcher.submit([fix('a', 1)]);
      const b = batcher.submit([fix('b', 1)]);
      await turn();
      expect(calls).to.have.length(0);
      await Promise.all([a, b]);
      expect(calls.map((c) => c.length)).to.deep.equal([2]);
    });

    it('when a batch fills up before the linger ends, then it leaves at once and the next one lingers afresh', async () => {
      const calls: Fix[][] = [];
      const batcher = new FixBatcher(async (fixes) => {
        calls.push(fixes);
        return fixes.map(applied);
      }, { maxBatch: 3, lingerMs: 10_000 });
      const full = batcher.submit([fix('a', 1), fix('b', 1), fix('c', 1)]);
      await full; // did not wait 10 s
      expect(calls.map((c) => c.length)).to.deep.equal([3]);
      const next = batcher.submit([fix('a', 2)]);
      await turn();
      expect(calls).to.have.length(1);
      const filling = batcher.submit([fix('b', 2), fix('c', 2)]); // fills the second batch
      await Promise.all([next, filling]);
      expect(calls.map((c) => c.map((f) => `${f.courierId}${f.ts}`))).to.deep.equal([['a1', 'b1', 'c1'], ['a2', 'b2', 'c2']]);
      expect(batcher.pending).to.equal(0);
    });
  });

  it('when an observer is given, then it hears of each batch once settled: its size, its linger, its index time and the batches in flight with it', async () => {
    const seen: { size: number; lingerMs: number; applyMs: number; inFlight: number }[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new FixBatcher(async (fixes) => {
      if (fixes[0]!.courierId === 'a') await gate; // the first batch stays in the index while the second leaves
      else await new Promise((r) => setTimeout(r, 20));
      return fixes.map(applied);
    }, { lingerMs: 15, observe: (size, lingerMs, applyMs, inFlight) => seen.push({ size, lingerMs, applyMs, inFlight }) });
    const first = batcher.submit([fix('a', 1), fix('a', 2)]);
    await new Promise((r) => setTimeout(r, 30));
    const second = batcher.submit([fix('b', 1)]);
    await second;
    release();
    await first;
    expect(seen.map((s) => [s.size, s.inFlight])).to.deep.equal([[1, 2], [2, 1]]); // the second left with the first in flight
    expect(seen[0]!.lingerMs).to.be.at.least(12);
    expect(seen[0]!.applyMs).to.be.at.least(15);
    expect(seen[1]!.applyMs).to.be.at.least(seen[0]!.applyMs);
  });
});
