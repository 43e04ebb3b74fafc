import { expect } from 'chai';
import { InMemoryKeyedQueue } from '../../infra/keyed-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('InMemoryKeyedQueue (checkouts of one variant, one at a time per process)', () => {
  it('when calls share a key, then each runs alone, in the order they came', async () => {
    const q = new InMemoryKeyedQueue();
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 5 }, (_, i) => q.run(['variant:a'], async () => {
      most = Math.max(most, ++inside);
      log.push(`in ${i}`);
      await tick();
      log.push(`out ${i}`);
      inside--;
    })));
    expect(most).to.equal(1);
    expect(log).to.deep.equal([0, 1, 2, 3, 4].flatMap((i) => [`in ${i}`, `out ${i}`]));
    expect(q.size).to.equal(0);
  });

  it('when calls have no key in common, then they run at the same time', async () => {
    const q = new InMemoryKeyedQueue();
    let inside = 0;
    let most = 0;
    await Promise.all(['a', 'b', 'c'].map((k) => q.run([k], async () => {
      most = Math.max(most, ++inside);
      await tick();
      inside--;
    })));
    expect(most).to.equal(3);
  });

  it('when calls take overlapping key sets in opposite orders, then none waits forever and a key is never held twice', async () => {
    const q = new InMemoryKeyedQueue();
    const holding = new Set<string>();
    const take = (keys: string[]) => q.run(keys, async () => {
      for (const k of new Set(keys)) {
        expect(holding.has(k), `${k} held twice`).to.equal(false);
        holding.add(k);
      }
      await tick();
      for (const k of keys) holding.delete(k);
      return keys.join('+');
    });
    const done = await Promise.all([take(['x', 'y']), take(['y', 'x']), take(['x']), take(['y', 'z', 'y']), take(['z'])]);
    expect(done).to.deep.equal(['x+y', 'y+x', 'x', 'y+z+y', 'z']);
    expect(q.size).to.equal(0);
  });

  it('when a call throws, then its error reaches the caller and the next call on the key still runs', async () => {
    const q = new InMemoryKeyedQueue();
    const failed = q.run(['k'], () => Promise.reject(new Error('boom')));
    const next = q.run(['k'], () => Promise.resolve('ran'));
    expect(await failed.catch((e: Error) => e.message)).to.equal('boom');
    expect(await next).to.equal('ran');
  });
});
