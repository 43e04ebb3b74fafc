import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;

export interface PositionChannelOptions<T> {
  /** Sends the batches (SPUBLISH); fail-fast, so a Redis outage drops the cross-hub copy instead of queueing it. */
  publisher: Client;
  /** Receives the other hubs' batches (SSUBSCRIBE); on a Cluster it must be built with `shardedSubscribers: true`. */
  subscriber: Client;
  /** This hub's id: the header of its batches, by which it skips them when Redis echoes them back. */
  hubId: string;
  /** The deployment's key prefix (REDIS_KEY_PREFIX): hubs of one deployment share the channels. */
  prefix: string;
  /**
   * Shard channels (default 1 on a standalone Redis, CLUSTER_SHARDS on a Cluster). Every hub of a
   * deployment must use the same number.
   */
  shards?: number;
  /** Hands one position of another hub to this hub's sockets in `room`. */
  deliver(room: string, payload: T): void;
  /** A failed publish (Redis down) or a malformed batch; the position path carries on. */
  onError(err: unknown): void;
}

/**
 * Shard channels on a Redis Cluster. A sharded channel lives on the node that
 * owns its slot (CRC16 of the name, as for a key), so one channel would put all
 * position traffic on one node; rooms hash into 16 channels
 * (`<prefix>positions:0` … `:15`), whose slots spread over the masters, and a
 * turn sends at most one publish per channel. More shards spread the load more
 * evenly but cost more publishes per turn at low rates. A standalone Redis has
 * one node, so one channel: one publish per turn.
 */
export const CLUSTER_SHARDS = 16;

/**
 * When a publish reached no other hub (SPUBLISH counts the subscribers that
 * got it, this hub's own included), the shard's next batches are dropped for
 * this long and then one is published again to look: a lone hub (one process,
 * or the only one with couriers) spares Redis a publish and its own echo per
 * turn, and a hub that starts meanwhile gets positions within this long (its
 * watchers get the last position in the watch snapshot anyway).
 */
export const ALONE_RECHECK_MS = 1_000;

const isCluster = (c: Client): c is Cluster => (c as { isCluster?: boolean }).isCluster === true;

/**
 * The position path between hub processes, beside the Socket.IO adapter. A hub
 * delivers positions to its own sockets itself; for the other hubs it queues
 * them here, and once per event-loop turn each shard channel that received
 * positions gets ONE sharded publish (SPUBLISH) carrying them all, encoded
 * once: `<hubId>\n[[room, payload], …]`. Every hub subscribes to every shard
 * channel, delivers a received batch to the rooms it holds, and skips its own
 * batches by the header without decoding them. Best effort, like the adapter
 * broadcasts it replaces: a batch lost while Redis is down is superseded by the next
 * position. A hub that no other hub listens to skips publishing for a while
 * (ALONE_RECHECK_MS).
 */
export class PositionChannel<T> {
  private readonly channels: string[];
  private readonly header: Buffer;
  private readonly pending: [room: string, payload: T][][];
  /** Per shard: until when no other hub listens (the last publish reached only this one). */
  private readonly aloneUntil: number[];
  private scheduled = false;
  private started = false;

  constructor(private readonly opts: PositionChannelOptions<T>) {
    if (/[\n\r]/.test(opts.hubId) || opts.hubId === '') throw new Error('hubId must be a non-empty single line');
    const shards = opts.shards ?? (isCluster(opts.publisher) ? CLUSTER_SHARDS : 1);
    this.channels = Array.from({ length: shards }, (_, k) => `${opts.prefix}positions:${k}`);
    this.pending = this.channels.map(() => []);
    this.aloneUntil = this.channels.map(() => 0);
    this.header = Buffer.from(`${opts.hubId}\n`);
  }

  /** Subscribes to every shard channel; resolves once Redis has confirmed them. */
  async start(): Promise<void> {
    const sub = this.opts.subscriber;
    if (isCluster(sub) && !sub.options.shardedSubscribers) {
      throw new Error('the position channel needs a Cluster subscriber built with shardedSubscribers: true (one subscriber per shard)');
    }
    sub.on('smessageBuffer', this.onMessage);
    this.started = true;
    // One channel per call: on a Cluster the channels hash to different slots (no CROSSSLOT).
    for (const channel of this.channels) await sub.ssubscribe(channel);
  }

  /** Queues a position for the other hubs; it leaves with this turn's batch of its shard. */
  publish(room: string, payload: T): void {
    this.pending[this.shardOf(room)]!.push([room, payload]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  async close(): Promise<void> {
    for (const list of this.pending) list.length = 0;
    if (!this.started) return;
    this.started = false;
    this.opts.subscriber.off('smessageBuffer', this.onMessage);
    for (const channel of this.channels) await this.opts.subscriber.sunsubscribe(channel).catch(() => undefined);
  }

  private shardOf(room: string): number {
    if (this.channels.length === 1) return 0;
    // FNV-1a: cheap, and the same on every hub.
    let h = 0x811c9dc5;
    for (let i = 0; i < room.length; i++) h = Math.imul(h ^ room.charCodeAt(i), 0x01000193);
    return (h >>> 0) % this.channels.length;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const now = Date.now();
    for (let k = 0; k < this.pending.length; k++) {
      const batch = this.pending[k]!;
      if (batch.length === 0) continue;
      this.pending[k] = [];
      if (now < this.aloneUntil[k]!) continue;
      const message = Buffer.concat([this.header, Buffer.from(JSON.stringify(batch))]);
      (this.opts.publisher.spublish(this.channels[k]!, message) as Promise<number>).then((receivers) => {
        this.aloneUntil[k] = receivers <= 1 ? Date.now() + ALONE_RECHECK_MS : 0;
      }, this.opts.onError);
    }
  };

  private readonly onMessage = (channel: Buffer, message: Buffer): void => {
    const header = this.header;
    if (message.length >= header.length && message.compare(header, 0, header.length, 0, header.length) === 0) return; // our own batch
    if (!this.channels.includes(channel.toString())) return; // another user of the subscriber
    const nl = message.indexOf(10);
    let batch: unknown;
    try {
      batch = nl < 0 ? null : JSON.parse(message.toString('utf8', nl + 1));
    } catch (err) {
      return this.opts.onError(err);
    }
    if (!Array.isArray(batch)) return this.opts.onError(new Error('malformed position batch'));
    for (const entry of batch as unknown[]) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'object' || entry[1] === null) continue;
      try {
        this.opts.deliver(entry[0], entry[1] as T);
      } catch (err) {
        this.opts.onError(err);
      }
    }
  };
}
