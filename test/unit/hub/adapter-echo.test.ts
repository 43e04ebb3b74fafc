import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { Server } from 'socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { io as connect } from 'socket.io-client';
import { hubAdapter } from '../../../server/hub.js';

/**
 * Stands in for ioredis in a unit test of the adapter's message format: it records
 * SPUBLISH and delivers `smessageBuffer` the way ioredis does. The real round trip
 * through Redis between two processes is test/integration/hub/cluster.test.ts.
 */
class RecordingRedis extends EventEmitter {
  readonly published: { channel: string; message: string }[] = [];
  /** Set to keep every SPUBLISH unanswered, like a Redis that is busy or gone. */
  hang = false;
  ssubscribe() {
    return Promise.resolve(1);
  }
  sunsubscribe() {
    return Promise.resolve(1);
  }
  spublish(channel: string, message: string) {
    this.published.push({ channel, message });
    return this.hang ? new Promise<number>(() => undefined) : Promise.resolve(1);
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
  const io = new Server({ adapter: hubAdapter(createShardedAdapter(pub as never, sub as never, { subscriptionMode: 'dynamic' })) });
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

describe('hub adapter: local sockets get a broadcast without waiting for Redis', () => {
  it('when Redis does not answer the publish, then a watcher on this process still gets the position at once, and the publish was sent', async () => {
    const pub = new RecordingRedis();
    const sub = new RecordingRedis();
    pub.hang = true;
    const httpServer = createServer();
    const io = new Server(httpServer, { transports: ['websocket'], adapter: hubAdapter(createShardedAdapter(pub as never, sub as never, { subscriptionMode: 'dynamic' })) });
    io.of('/customer').on('connection', (socket) => void socket.join('order:1'));
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    const client = connect(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/customer`, { transports: ['websocket'] });
    try {
      await new Promise<void>((r) => client.once('connect', () => r()));
      await new Promise((r) => setTimeout(r, 20)); // the join
      const got = new Promise<unknown>((r) => client.once('courier:position', r));
      io.of('/customer').to('order:1').volatile.emit('courier:position', { orderId: 'o1', lat: 33.5, lng: 36.28 });
      const position = await Promise.race([got, new Promise((r) => setTimeout(() => r('timed out'), 1_000))]);
      expect(position).to.deep.equal({ orderId: 'o1', lat: 33.5, lng: 36.28 });
      expect(pub.published.map((p) => p.channel)).to.deep.equal(['socket.io#/customer#order:1#']);
      // other processes get the same packet: the adapter's broadcast message for this room
      const message = JSON.parse(pub.published[0]!.message) as { type: number; data: { packet: { data: unknown[] }; opts: { rooms: string[]; flags: { volatile?: boolean } } } };
      expect(message.data.packet.data).to.deep.equal(['courier:position', { orderId: 'o1', lat: 33.5, lng: 36.28 }]);
      expect(message.data.opts.rooms).to.deep.equal(['order:1']);
      expect(message.data.opts.flags.volatile).to.equal(true);
    } finally {
      client.close();
      await new Promise((r) => io.close(r));
    }
  });
});
