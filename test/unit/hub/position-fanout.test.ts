import { expect } from 'chai';
import { PositionFanout } from '../../../server/position-fanout.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hub PositionFanout: at most one position per order per interval, always the newest', () => {
  it('when positions come faster than the interval, then the first goes at once, later ones replace each other and the newest goes when the window ends', async () => {
    const sent: { orderId: string; n: number; at: number }[] = [];
    const t0 = performance.now();
    // The fanout decides on its own clock; a send is stamped with the reading it decided on, so the window is
    // checked exactly (stamped by another clock, Date.now's whole milliseconds read as up to 1 ms short).
    let reading = t0;
    const clock = () => (reading = performance.now());
    const fanout = new PositionFanout<number>((orderId, n) => void sent.push({ orderId, n, at: reading - t0 }), 100, clock);
    try {
      fanout.offer('o1', 1);
      expect(sent.map((s) => s.n)).to.deep.equal([1]);
      fanout.offer('o1', 2);
      fanout.offer('o1', 3);
      fanout.offer('o2', 10); // another order has its own window
      expect(sent.map((s) => s.n)).to.deep.equal([1, 10]);
      // Never early: the coalesced position leaves when the window ends, not before (a loaded
      // scheduler may fire later, so the test waits for it instead of sampling at fixed times).
      const deadline = performance.now() + 5_000;
      while (sent.length < 3 && performance.now() < deadline) await sleep(10);
      expect(sent.map((s) => s.n)).to.deep.equal([1, 10, 3]);
      expect(sent[2]!.at - sent[0]!.at).to.be.at.least(100 - 1e-9);
      // A quiet window (more than the interval since o1's last send): the next one goes at once.
      await sleep(Math.max(0, sent[2]!.at + 150 - (performance.now() - t0)));
      fanout.offer('o1', 4);
      expect(sent.map((s) => s.n)).to.deep.equal([1, 10, 3, 4]);
    } finally {
      fanout.close();
    }
  });

  it('when many orders are coalesced at once, then each sends its newest once when its window ends', async () => {
    const sent = new Map<string, number[]>();
    const fanout = new PositionFanout<number>((orderId, n) => void sent.set(orderId, [...(sent.get(orderId) ?? []), n]), 50);
    try {
      for (let round = 0; round < 3; round++) for (let i = 0; i < 200; i++) fanout.offer(`o${i}`, round);
      await sleep(150);
      for (let i = 0; i < 200; i++) expect(sent.get(`o${i}`)).to.deep.equal([0, 2]);
    } finally {
      fanout.close();
    }
  });

  it('when an order is forgotten with a position waiting, then it is never sent', async () => {
    const sent: number[] = [];
    const fanout = new PositionFanout<number>((_id, n) => void sent.push(n), 50);
    try {
      fanout.offer('o1', 1);
      fanout.offer('o1', 2);
      fanout.forget('o1');
      await sleep(120);
      expect(sent).to.deep.equal([1]);
      fanout.offer('o1', 3); // a new start
      expect(sent).to.deep.equal([1, 3]);
    } finally {
      fanout.close();
    }
  });
});
