import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { Server } from 'socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { skippingOwnEcho } from '../../../server/hub.js';

/**
 * Stands in for ioredis in a unit test of the adapter's message format: it records
 * SPUBLISH and delivers `smessageBuffer` the way ioredis does. The real round trip
 * through Redis between two processes is test/integration/hub/cluster.test.ts.
 */
class RecordingRedis extends EventEmitter {
  readonly published: { channel: string; message: string }[] = [];
  ssubscribe() {
    return Promise.resolve(1);
  }
  sunsubscribe() {
    return Promise.resolve(1);
  }
  spublish(channel: string, message: string) {
    this.published.push({ channel, message });
    return Promise.resolve(1);
  }
}

interface AdapterInternals {
  uid: string;
  onMessage(message: { uid: string }): void;
  addAll(id: string, rooms: Set<string>): void;
}

function hub() {
  const pub = new RecordingRedis();
  const sub = new RecordingRedis();
  const io = new Server({ adapter: skippingOwnEcho(createShardedAdapter(pub as never, sub as never, { subscriptionMode: 'dynamic' })) });
  const adapter = io.of('/customer').adapter as unknown as AdapterInternals;
  const seen: string[] = [];
  adapter.onMessage = (m) => void seen.push(m.uid); // what reaches the adapter after decoding
  adapter.addAll('local-socket-id-0001', new Set(['order:1'])); // a local watcher: subscribes to the room channel
  return { io, pub, sub, adapter, seen };
}

describe('hub adapter: a broadcast coming back to its sender is dropped before decoding', () => {
  it('when a hub receives its own broadcast, then it is dropped; when another hub receives it, then it is decoded and handled', async () => {
    const a = hub();
    const b = hub();
    try {
      a.io.of('/customer').to('order:1').volatile.emit('courier:position', { orderId: 'o1', lat: 33.5, lng: 36.28 });
      await new Promise((r) => setImmediate(r));
      expect(a.pub.published).to.have.length(1);
      const { channel, message } = a.pub.published[0]!;
      expect(channel).to.equal('socket.io#/customer#order:1#');
      a.sub.emit('smessageBuffer', Buffer.from(channel), Buffer.from(message));
      b.sub.emit('smessageBuffer', Buffer.from(channel), Buffer.from(message));
      expect(a.seen).to.deep.equal([]);
      expect(b.seen).to.deep.equal([a.adapter.uid]);
      // a message that does not end with this hub's own uid goes to the adapter unchanged
      a.sub.emit('smessageBuffer', Buffer.from(channel), Buffer.from(message.replace(a.adapter.uid, b.adapter.uid)));
      expect(a.seen).to.deep.equal([b.adapter.uid]);
    } finally {
      void a.io.close();
      void b.io.close();
    }
  });
});
