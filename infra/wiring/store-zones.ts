import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../api/route-kit.js';
import { storeZoneRoutes, storesNearRoutes, type StoreZoneRouteDeps } from '../../api/routes/store-zones.js';
import { prepareZone, ZoneIndex, type EtaService, type ZoneShape as GeoZoneShape } from '../../geo/index.js';
import type { CourierLegEta, ProductRepository, StoreCoverage, StoreZoneRepository, ZoneChangeNotifier, ZoneLookup, ZoneRules } from '../../domain/catalog/ports.js';
import type { ZoneShape } from '../../domain/catalog/store-zone.js';
import { ManageStoreZone } from '../../domain/catalog/use-cases/manage-store-zone.js';
import { FindStoresNear } from '../../domain/catalog/use-cases/find-stores-near.js';
import type { Config } from '../config.js';
import type { Repositories } from '../db/index.js';
import { LiveZones, RedisZoneNotifier, zonesChannel } from '../live-zones.js';
import { liveCopyDeps } from '../live-copy.js';
import type { RedisClient, RedisTarget } from '../redis.js';

/** Store zones and discovery: the live zone index, the zone use cases, and StoreCoverage for the address book. */
export interface StoreZonesCradle extends StoreZoneRouteDeps {
  storeZones: StoreZoneRepository;
  zoneRules: ZoneRules;
  liveZones: LiveZones;
  zoneNotifier: ZoneChangeNotifier;
  courierLegEta: CourierLegEta;
  zoneLookup: ZoneLookup;
  /** Whether any listed store delivers to a point: the address book's deliversTo. */
  storeCoverage: StoreCoverage;
}

interface Needs {
  repositories: Repositories;
  config: Config;
  redis: RedisClient;
  redisTarget: RedisTarget;
  keyPrefix: string;
  logger: Logger;
  eta: EtaService;
  products: ProductRepository;
}

/** Couriers' default vehicle for a store's delivery leg. */
const DELIVERY_VEHICLE = 'motorbike';

export function registerStoreZones(container: AwilixContainer<StoreZonesCradle & Needs>): void {
  container.register({
    storeZones: asFunction(({ repositories }: Needs) => repositories.storeZones).singleton(),
    // geo's rules, and the zone as the rules return it (their own copy, so a client's extra keys never reach storage).
    zoneRules: asFunction(() => ({ check: (shape: ZoneShape) => prepareZone(shape as GeoZoneShape).shape as ZoneShape })).singleton(),
    liveZones: asFunction((c: StoreZonesCradle & Needs) => new LiveZones({ storeZones: c.storeZones, index: new ZoneIndex(), ...liveCopyDeps(c, 'zones', c.config.ZONE_REFRESH_MS) }))
      .singleton()
      .disposer((l) => l.stop()),
    zoneNotifier: asFunction(({ liveZones, redis, keyPrefix, logger }: StoreZonesCradle & Needs) => new RedisZoneNotifier({ live: liveZones, redis, channel: zonesChannel(keyPrefix), logger })).singleton(),
    zoneLookup: asFunction(({ liveZones }: StoreZonesCradle) => liveZones).singleton(),
    courierLegEta: asFunction(({ eta }: Needs) => ({
      courierLeg: async (from: { lat: number; lng: number }, to: { lat: number; lng: number }) => {
        const r = await eta.eta(from, to, DELIVERY_VEHICLE);
        return { seconds: r.durationS, source: r.source };
      },
    })).singleton(),
    manageStoreZone: asClass(ManageStoreZone).singleton(),
    findStoresNear: asClass(FindStoresNear).singleton(),
    storeCoverage: asFunction(({ findStoresNear }: StoreZonesCradle) => findStoresNear).singleton(),
  });
}

/** GET /stores/near must be mounted before GET /stores/:id, which would take "near" for an id. */
export const storesNearRoutesOf = (c: StoreZonesCradle): RouteSpec[] => storesNearRoutes(c);
export const storeZoneRoutesOf = (c: StoreZonesCradle): RouteSpec[] => storeZoneRoutes(c);

/** API roles: load every zone and follow changes. Resolves once loaded and subscribed. */
export const startStoreZones = (c: StoreZonesCradle): Promise<void> => c.liveZones.start();
