/**
 * Public API of the geo engine. Everything else in geo/ is internal.
 * It knows nothing of orders, HTTP or sockets; the hub (#5) and dispatch call it.
 */
export { CourierIndex, resolutionForDensity, type CourierIndexOptions, type FixResult, type MoveObserver } from './courier-index.js';
export type { CourierView, TrailPoint } from './courier-directory.js';
export { MAX_RADIUS_M, type NearestQuery, type NearestCourier } from './nearest.js';
export { MIN_AREA_RESOLUTION, type AreaCourier, type AreaCounts, type AreaOptions, type AreaSnapshot } from './area.js';
export type { Geofence, GeofenceEvent } from './geofence.js';
export { GeoError, isGeoError, type GeoReason } from './errors.js';
export { validateFix, gpsFlags, DEFAULT_GPS_POLICY, type GpsFlag, type GpsPolicy, type ValidFix } from './gps.js';
export { haversineM, destinationPoint, EARTH_RADIUS_M } from './distance.js';
export * from './types.js';
export { EtaService, haversineEta, type EtaOptions, type EtaResult, type EtaSource, type RoadEtaProvider, type LearnedSpeedSource } from './eta.js';
export { etaThrough, etaThroughNow, type DoorEta } from './eta-door.js';
export { SpeedLearner, hourOfWeek, ROAD_FACTOR, type LearnedSpeed } from './speeds.js';
export { prepareZone, MAX_ZONE_AREA_KM2, MAX_ZONE_RADIUS_M, MAX_ZONE_VERTICES, type ZoneShape, type GeoJsonPolygon, type PreparedZone } from './zones.js';
export { zoneCells, zoneResolution, type ZoneCells } from './zone-cells.js';
export { ZoneIndex } from './zone-index.js';
