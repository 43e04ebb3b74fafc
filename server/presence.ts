import type { Cluster, Redis } from 'ioredis';

export interface PresenceEntry {
  courierId: string;
  hub: string;
  socketId: string;
  vehicle: string;
  since: number;
}

/**
 * Who is online, in Redis (not in process memory), so any hub process and the
 * API can see it. One key per courier with a TTL that its hub keeps extending
 * (`heartbeat`): a hub that dies takes its couriers offline within `ttlS`
 * without anybody cleaning up. Where a courier is lives in the geo index.
 */
export class CourierPresence {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly opts: { prefix: string; hubId: string; ttlS?: number },
  ) {}

  private key(courierId: string): string {
    return `${this.opts.prefix}presence:courier:${courierId}`;
  }
  private get ttl(): number {
    return this.opts.ttlS ?? 60;
  }
  get hubId(): string {
    return this.opts.hubId;
  }

  /** Marks the courier online on this socket; returns the entry it replaced (another socket or hub), if any. */
  async online(courierId: string, socketId: string, vehicle: string, now = Date.now()): Promise<PresenceEntry | null> {
    const entry: PresenceEntry = { courierId, hub: this.opts.hubId, socketId, vehicle, since: now };
    const previous = await this.redis.set(this.key(courierId), JSON.stringify(entry), 'EX', this.ttl, 'GET');
    const prev = parse(previous);
    return prev && prev.socketId !== socketId ? prev : null;
  }

  /** Marks the courier offline, unless another socket has taken over since (compare-and-delete). */
  async offline(courierId: string, socketId: string): Promise<void> {
    await this.redis.eval(
      "local v = redis.call('GET', KEYS[1]) if v and cjson.decode(v).socketId == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      this.key(courierId),
      socketId,
    );
  }

  /** Extends the TTL of this hub's couriers (called every ttl/3). */
  async heartbeat(courierIds: Iterable<string>): Promise<void> {
    // One EXPIRE each, written in the same turn (ioredis sends them back to back): a pipeline on a
    // Redis Cluster must stay on one node, and the couriers' keys spread over every node.
    const pending: Promise<number>[] = [];
    for (const id of courierIds) pending.push(this.redis.expire(this.key(id), this.ttl));
    await Promise.all(pending);
  }

  async get(courierId: string): Promise<PresenceEntry | null> {
    return parse(await this.redis.get(this.key(courierId)));
  }
}

function parse(raw: string | null): PresenceEntry | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as PresenceEntry;
  } catch {
    return null;
  }
}
