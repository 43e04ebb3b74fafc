import type { Logger } from 'pino';
import { prepareZone, type ZoneIndex, type ZoneShape as GeoZoneShape } from '../geo/index.js';
import type { StoreZone } from '../domain/catalog/store-zone.js';
import type { StoreZoneRepository, ZoneChangeNotifier, ZoneLookup } from '../domain/catalog/ports.js';
import type { RedisClient } from './redis.js';
import { subscribeChannel } from './redis-channels.js';

/** `<prefix>zones:changed`: published after a zone change commits. */
export const zonesChannel = (keyPrefix: string) => `${keyPrefix}zones:changed`;

interface Notice {
  type: 'changed';
  storeId: string;
  version: number;
}

const parseNotice = (message: string): Notice | null => {
  try {
    const m = JSON.parse(message) as Partial<Notice>;
    return typeof m.storeId === 'string' && Number.isInteger(m.version) ? { type: 'changed', storeId: m.storeId, version: m.version! } : null;
  } catch {
    return null;
  }
};

export interface LiveZonesDeps {
  storeZones: StoreZoneRepository;
  /** Empty at start; LiveZones fills it and keeps it. */
  index: ZoneIndex;
  /** A connection for pub/sub only; LiveZones owns it from `start` to `stop`. */
  subscriber: RedisClient;
  channel: string;
  /** The fallback: compare revisions at least this often, so a lost notice costs at most this long. */
  refreshMs: number;
  logger: Logger;
}

/**
 * Every API process's zone index (geo/zone-index.ts), answered from memory.
 * It is brought up to date by comparing the stored revisions with its own and
 * precomputing only the zones that changed: on a change notice from Redis
 * (within milliseconds of the commit) and by a poll every `refreshMs`, which
 * covers a notice lost while Redis was away. A stored zone the rules now
 * refuse is logged and left out; it never takes the process down.
 */
export class LiveZones implements ZoneLookup {
  private readonly revisions = new Map<string, number>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  /** When the last refresh finished (ms since epoch); 0 before the first. */
  loadedAt = 0;

  constructor(private readonly deps: LiveZonesDeps) {}

  get index(): ZoneIndex {
    return this.deps.index;
  }

  storesCovering(point: { lat: number; lng: number }): string[] {
    return this.deps.index.lookup(point.lat, point.lng);
  }

  revision(storeId: string): number {
    return this.revisions.get(storeId) ?? 0;
  }

  /** Loads every zone, then follows changes. Resolves when loaded and subscribed. */
  async start(): Promise<void> {
    await this.refresh();
    this.unsubscribe = await subscribeChannel(this.deps.subscriber, this.deps.channel, parseNotice, (n) => this.onNotice(n), this.deps.logger);
    this.timer = setInterval(() => void this.refresh().catch((err: unknown) => this.deps.logger.warn({ err }, 'zone poll failed; kept the last index')), this.deps.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.().catch(() => undefined);
    this.deps.subscriber.disconnect();
    await this.running?.catch(() => undefined);
  }

  /** Calls while a refresh runs share one more refresh after it, so a notice arriving mid-read is never answered by the older read. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.load();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The writing process applies its own change at once (read-your-writes), before the notice comes back. */
  apply(zone: StoreZone): void {
    if (zone.version <= this.revision(zone.storeId) && this.revisions.has(zone.storeId)) return;
    if (zone.shape === null) {
      this.deps.index.delete(zone.storeId);
      this.revisions.delete(zone.storeId);
      return;
    }
    try {
      this.deps.index.set(zone.storeId, prepareZone(zone.shape as GeoZoneShape));
      this.revisions.set(zone.storeId, zone.version);
    } catch (err) {
      this.deps.logger.error({ err, storeId: zone.storeId, version: zone.version }, 'a stored zone fails the zone rules; left out of the index');
    }
  }

  private onNotice(n: Notice): void {
    if (n.version <= this.revision(n.storeId)) return;
    void this.refresh().catch((err: unknown) => this.deps.logger.warn({ err, storeId: n.storeId }, 'zone refresh after a change notice failed; the poll retries'));
  }

  private async load(): Promise<void> {
    const stored = await this.deps.storeZones.revisions();
    for (const id of [...this.revisions.keys()]) {
      if (!stored.has(id)) {
        this.deps.index.delete(id);
        this.revisions.delete(id);
      }
    }
    const changed = [...stored].filter(([id, v]) => this.revisions.get(id) !== v).map(([id]) => id);
    // Read in slices: a cold start of a big city is one query per 500 zones, not one huge answer.
    for (let i = 0; i < changed.length; i += 500) {
      for (const zone of await this.deps.storeZones.findMany(changed.slice(i, i + 500))) {
        this.revisions.delete(zone.storeId);
        this.apply(zone);
      }
    }
    this.loadedAt = Date.now();
  }
}

/** After a zone change commits: apply it here at once, and tell every other process on Redis (fire and forget; their poll covers a loss). */
export class RedisZoneNotifier implements ZoneChangeNotifier {
  constructor(private readonly deps: { live: LiveZones; redis: RedisClient; channel: string; logger: Logger }) {}

  changed(zone: StoreZone): void {
    this.deps.live.apply(zone);
    this.deps.redis.publish(this.deps.channel, JSON.stringify({ storeId: zone.storeId, version: zone.version })).catch((err: unknown) => {
      this.deps.logger.warn({ err, storeId: zone.storeId }, 'could not publish the zone change notice; other processes pick it up at their next poll');
    });
  }
}
