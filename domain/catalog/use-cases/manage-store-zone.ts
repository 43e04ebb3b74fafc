import { conflict, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import { sameShape, storeZoneChangedEvent, type StoreZone, type ZoneShape } from '../store-zone.js';
import type { StoreRepository, StoreZoneRepository, ZoneChangeNotifier, ZoneLookup, ZoneRules } from '../ports.js';

export interface StoreZoneView {
  storeId: string;
  zone: ZoneShape;
  version: number;
  updatedAt: string;
}

export interface StoreZoneDeps {
  stores: StoreRepository;
  storeZones: StoreZoneRepository;
  zoneRules: ZoneRules;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
  zoneNotifier: ZoneChangeNotifier;
  zoneLookup: ZoneLookup;
}

const ATTEMPTS = 5;
const viewOf = (z: StoreZone & { shape: ZoneShape }): StoreZoneView => ({ storeId: z.storeId, zone: z.shape, version: z.version, updatedAt: z.updatedAt });

/**
 * A store's delivery zone: its owner (or an admin with `stores:manage`) sets,
 * replaces or removes it; anyone else is told the store does not exist. Each
 * change writes the zone and `catalog.store.zone_changed` in one transaction;
 * setting the zone it already has, or removing none, changes nothing.
 */
export class ManageStoreZone {
  constructor(private readonly deps: StoreZoneDeps) {}

  async get(principal: Principal, storeId: string): Promise<StoreZoneView> {
    await this.storeYouManage(principal, storeId);
    const zone = await this.deps.storeZones.find(storeId);
    if (!zone?.shape) throw notFound('Zone');
    return viewOf({ ...zone, shape: zone.shape });
  }

  /**
   * The zones of these stores that have one (the ops board draws them): for dispatchers, who read
   * every store's zone but change none. The route admits only admins with `deliveries:manage`.
   */
  async zonesOf(storeIds: readonly string[]): Promise<StoreZoneView[]> {
    const found = await Promise.all([...new Set(storeIds)].map((id) => this.deps.storeZones.find(id)));
    return found.flatMap((z) => (z?.shape ? [viewOf({ ...z, shape: z.shape })] : []));
  }

  /**
   * The zones in a map's view (the ops board): those whose bounding box meets it, from the live zone
   * index, read fresh from the store; at most `limit`, and how many met the view in all.
   */
  async zonesInView(view: readonly [number, number, number, number], limit: number): Promise<{ items: StoreZoneView[]; total: number }> {
    const { storeIds, total } = this.deps.zoneLookup.storesInView(view, limit);
    return { items: await this.zonesOf(storeIds), total };
  }

  async set(principal: Principal, storeId: string, shape: ZoneShape): Promise<StoreZoneView> {
    await this.storeYouManage(principal, storeId);
    const checked = this.deps.zoneRules.check(shape);
    const zone = await this.write(storeId, checked);
    return viewOf({ ...zone, shape: checked });
  }

  /** Removes the zone; the store then delivers nowhere. Answers whether there was one. */
  async remove(principal: Principal, storeId: string): Promise<{ storeId: string; removed: boolean }> {
    await this.storeYouManage(principal, storeId);
    const before = await this.deps.storeZones.find(storeId);
    if (!before?.shape) return { storeId, removed: false };
    await this.write(storeId, null);
    return { storeId, removed: true };
  }

  private async storeYouManage(principal: Principal, storeId: string): Promise<void> {
    const store = await this.deps.stores.findById(storeId);
    if (!store || !canAccess(principal, store.ownerId, 'stores:manage')) throw notFound('Store');
  }

  /** Writes the next revision (or nothing when it is already so); a lost race re-reads and tries again. */
  private async write(storeId: string, shape: ZoneShape | null): Promise<StoreZone> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const current = await this.deps.storeZones.find(storeId);
      if (current && sameShape(current.shape, shape)) return current;
      const now = this.deps.clock.now();
      const next: StoreZone = { storeId, shape, version: (current?.version ?? 0) + 1, updatedAt: now.toISOString() };
      const written = await this.deps.unitOfWork.transaction(async () => {
        if (!(await this.deps.storeZones.put(next, current?.version ?? 0))) return false;
        await this.deps.outbox.add([storeZoneChangedEvent(storeId, shape, next.version, now)]);
        return true;
      });
      if (written) {
        this.deps.zoneNotifier.changed(next);
        return next;
      }
    }
    throw conflict('The zone kept changing; try again');
  }
}
