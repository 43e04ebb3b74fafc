import type { Logger } from 'pino';
import { prepareZone, type ZoneIndex, type ZoneShape as GeoZoneShape } from '../geo/index.js';
import type { StoreZone } from '../domain/catalog/store-zone.js';
import type { StoreZoneRepository, ZoneChangeNotifier, ZoneLookup } from '../domain/catalog/ports.js';
import type { RedisClient } from './redis.js';
import { changeChannel, LiveCopyRefresher, publishChange, type LiveCopyDeps } from './live-copy.js';

/** `<prefix>zones:changed`: published after a zone change commits. */
export const zonesChannel = (keyPrefix: string) => changeChannel(keyPrefix, 'zones');

export interface LiveZonesDeps extends LiveCopyDeps {
  storeZones: StoreZoneRepository;
  /** Empty at start; LiveZones fills it and keeps it. */
  index: ZoneIndex;
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
  private readonly refresher: LiveCopyRefresher;

  constructor(private readonly deps: LiveZonesDeps) {
    this.refresher = new LiveCopyRefresher(deps, {
      idField: 'storeId',
      what: 'zone',
      load: () => this.load(),
      holds: (n) => n.version <= this.revision(n.id),
    });
  }

  /** When the last refresh finished (ms since epoch); 0 before the first. */
  get loadedAt(): number {
    return this.refresher.loadedAt;
  }

  get index(): ZoneIndex {
    return this.deps.index;
  }

  storesCovering(point: { lat: number; lng: number }): string[] {
    return this.deps.index.lookup(point.lat, point.lng);
  }

  storesInView(view: readonly [number, number, number, number], limit: number): { storeIds: string[]; total: number } {
    const { ids, total } = this.deps.index.inBox(view, limit);
    return { storeIds: ids, total };
  }

  revision(storeId: string): number {
    return this.revisions.get(storeId) ?? 0;
  }

  /** Loads every zone, then follows changes. Resolves when loaded and subscribed. */
  start(): Promise<void> {
    return this.refresher.start();
  }

  stop(): Promise<void> {
    return this.refresher.stop();
  }

  /** Compares the stored revisions with this copy's (see LiveCopyRefresher: concurrent calls share one more refresh). */
  refresh(): Promise<void> {
    return this.refresher.refresh();
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
  }
}

/** After a zone change commits: apply it here at once, and tell every other process on Redis (fire and forget; their poll covers a loss). */
export class RedisZoneNotifier implements ZoneChangeNotifier {
  constructor(private readonly deps: { live: LiveZones; redis: RedisClient; channel: string; logger: Logger }) {}

  changed(zone: StoreZone): void {
    this.deps.live.apply(zone);
    publishChange(this.deps, 'storeId', zone.storeId, zone.version, 'zone');
  }
}
